import { describe, expect, it } from 'vitest';
import {
  statementLines,
  totalsOf,
  settlementCsv,
  type RefundRow,
  type SaleRow,
  type Statement,
} from './settlement.js';
import { zonedDayRange } from '../time.js';

const sale = (id: string, amount: number, bps: number, at = '2026-05-01T02:00:00Z'): SaleRow => ({
  order_id: id,
  partner_order_id: `P-${id}`,
  area_id: 'a',
  visit_date: '2026-05-02',
  amount_total: amount,
  paid_at: new Date(at),
  commission_bps: bps,
});
const refund = (id: string, orderId: string, amount: number, at: string): RefundRow => ({
  id,
  order_id: orderId,
  amount,
  created_at: new Date(at),
});

describe('settlement', () => {
  it.each([
    ['Shanghai', 'Asia/Shanghai', '2026-05-01', '2026-04-30T16:00:00.000Z', '2026-05-01T16:00:00.000Z'],
    ['UTC', 'UTC', '2026-05-01', '2026-05-01T00:00:00.000Z', '2026-05-02T00:00:00.000Z'],
    [
      'a DST day in New York (23 h)',
      'America/New_York',
      '2026-03-08',
      '2026-03-08T05:00:00.000Z',
      '2026-03-09T04:00:00.000Z',
    ],
  ])('day range in %s', (_n, tz, date, from, to) => {
    const r = zonedDayRange(date, tz);
    expect([r.from.toISOString(), r.to.toISOString()]).toEqual([from, to]);
  });

  it('gives back exactly the commission of a fully refunded order, in partial refunds', () => {
    const s = sale('o1', 10001, 1234); // commission 1234.12… → 1234
    const r1 = refund('r1', 'o1', 3333, '2026-05-01T03:00:00Z');
    const r2 = refund('r2', 'o1', 3333, '2026-05-01T04:00:00Z');
    const r3 = refund('r3', 'o1', 3335, '2026-05-01T05:00:00Z');
    const lines = statementLines([s], [r1, r2, r3], new Map([['o1', s]]), new Map([['o1', [r1, r2, r3]]]));
    expect(lines.map((l) => l.commission)).toEqual([1234, -411, -411, -412]);
    expect(totalsOf(lines)).toMatchObject({ gross: 0, commission: 0, net: 0, orders: 1, refunds: 3 });
  });

  it('writes CSV in yuan with a totals row and defuses formulas', () => {
    const s = { ...sale('o1', 8000, 1000), partner_order_id: '=HYPERLINK("x")' };
    const lines = statementLines([s], [], new Map(), new Map());
    const st = {
      date: '2026-05-01',
      to: '2026-05-01T16:00:00.000Z',
      lines,
      totals: totalsOf(lines),
    } as Statement;
    const csv = settlementCsv(st).split('\r\n');
    expect(csv[0]).toBe(
      'kind,at,order_id,partner_order_id,refund_id,area_id,visit_date,amount,commission_bps,commission,net',
    );
    expect(csv[1]).toBe(
      `sale,2026-05-01T02:00:00.000Z,o1,"'=HYPERLINK(""x"")",,a,2026-05-02,80.00,1000,8.00,72.00`,
    );
    expect(csv[2]).toBe('total,2026-05-01T16:00:00.000Z,,,,,2026-05-01,80.00,,8.00,72.00');
  });
});
