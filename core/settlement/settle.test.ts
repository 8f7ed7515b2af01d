import { describe, expect, it } from 'vitest';
import { settle, statements, type MoneyEvent, type SettlementOrder } from './settle.js';

const order: SettlementOrder = {
  id: 'o1',
  channelId: 'ota',
  commissionBps: 1000,
  parties: [
    { party: 'area:a', weight: 4000 },
    { party: 'area:b', weight: 3000 },
    { party: 'supplier:hotel', weight: 3000 },
  ],
};
const at = (m: number) => new Date(Date.UTC(2026, 11, 2, 8, m));
const ev = (kind: MoneyEvent['kind'], id: string, amount: number, m: number): MoneyEvent => ({
  kind,
  id,
  orderId: 'o1',
  at: at(m),
  amount,
});

describe('settle', () => {
  it('splits a sale: commission to the seller, the net by shares, to the fen', () => {
    const [s] = settle(new Map([['o1', order]]), [ev('sale', 'p1', 10_001, 0)]);
    expect(s!.parts).toEqual([
      { party: 'channel:ota', amount: 1000 },
      { party: 'area:a', amount: 3601 },
      { party: 'area:b', amount: 2700 },
      { party: 'supplier:hotel', amount: 2700 },
    ]);
    expect(s!.parts.reduce((x, p) => x + p.amount, 0)).toBe(10_001);
  });

  it('a sale refunded in three parts is zero for every party', () => {
    const out = settle(new Map([['o1', order]]), [
      ev('sale', 'p1', 9_997, 0),
      ev('refund', 'r1', 3_333, 1),
      ev('refund', 'r2', 3_331, 2),
      ev('refund', 'r3', 3_333, 3),
    ]);
    const { parties, totals } = statements(out);
    expect(totals).toEqual({ sales: 9_997, refunds: 9_997, taken: 0, commission: 0 });
    for (const p of parties) expect(p.total).toBe(0);
  });

  it('statements add up to the money taken', () => {
    const out = settle(new Map([['o1', order]]), [ev('sale', 'p1', 12_345, 0), ev('refund', 'r1', 4_321, 5)]);
    const { parties, totals } = statements(out);
    expect(parties.reduce((s, p) => s + p.total, 0)).toBe(totals.taken);
    expect(totals.taken).toBe(12_345 - 4_321);
    expect(parties.find((p) => p.party === 'channel:ota')).toMatchObject({
      role: 'seller',
      sales: 1235,
      refunds: -432,
    });
  });
});
