import { beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { useApi, residentId } from '../support/platform.js';
import { demoArea } from '../../core/catalog/demo.js';
import { upsertChannels } from '../../core/catalog/catalog.js';
import { settlementStatement } from '../../core/channels/settlement.js';
import { zonedDayRange } from '../../core/time.js';
import { localParts } from '../../core/time.js';
import { day, partner, type Body } from './support.js';

const D = day(5);
const today = () => localParts(new Date(), 'Asia/Shanghai').date;

describe('daily settlement statement', () => {
  const api = useApi({ app: { rateLimits: false } });
  let tc: Awaited<ReturnType<typeof partner>>;
  beforeAll(async () => {
    await api.seed(demoArea({ id: 'st' }));
    // 12.5 % commission, 3 % partner discount: 8000 → 7760 per adult, 18000 → 17460 per family
    tc = await partner(api, { id: 'tongcheng', commissionBps: 1250, discountBps: 300 });
  });

  let n = 700;
  const v = () => ({ name: '钱七', idNumber: residentId('19660606', n++) });
  // a child ticket goes to a child (17.11)
  const kid = () => ({ name: '钱小七', idNumber: residentId('20180606', n++) });
  async function sell(id: string, items: { productId: string; count: number }[]) {
    await tc.client.createOrder({
      partnerOrderId: id,
      areaId: 'st',
      date: D,
      slotId: '1000',
      items: items.map((i) => ({
        productId: i.productId,
        visitors: Array.from({ length: i.count }, i.productId === 'child' ? kid : v),
      })),
    });
    return tc.client.confirm(id);
  }

  it('lists sales, refunds and commission, and matches the ledger to the fen', async () => {
    const o1 = await sell('TC-1', [{ productId: 'adult', count: 3 }]); // 23280, commission 2910
    await sell('TC-2', [
      { productId: 'family', count: 1 },
      { productId: 'adult', count: 1 },
    ]); // 17460 + 7760 = 25220, commission 3152.5 → 3153
    await sell('TC-3', [{ productId: 'child', count: 1 }]); // 4000 × 0.97 = 3880, commission 485
    await tc.client.createOrder({
      partnerOrderId: 'TC-HELD',
      areaId: 'st',
      date: D,
      slotId: '1000',
      items: [{ productId: 'adult', visitors: [v()] }],
    }); // never confirmed: not on the statement
    const t1 = (o1.tickets as Body[]).map((t) => t.id as string);
    await tc.client.refund('TC-1', { reason: 'illness', ticketIds: [t1[0]!] }, `rf-${randomUUID()}`); // 7760, commission back 970
    await tc.client.refund('TC-3', { reason: 'weather' }, `rf-${randomUUID()}`); // 3880, commission back 485

    const s = await tc.client.settlement(today());
    expect(s.totals).toEqual({
      orders: 3,
      refunds: 2,
      salesAmount: 52380,
      refundedAmount: 11640,
      gross: 40740,
      commission: 2910 + 3153 + 485 - 970 - 485,
      net: 40740 - 5093,
    });
    expect((s.lines as Body[]).map((l) => [l.kind, l.partnerOrderId, l.amount, l.commission])).toEqual([
      ['sale', 'TC-1', 23280, 2910],
      ['sale', 'TC-2', 25220, 3153],
      ['sale', 'TC-3', 3880, 485],
      ['refund', 'TC-1', -7760, -970],
      ['refund', 'TC-3', -3880, -485],
    ]);

    // the ledger, independently: what was paid and refunded through this channel today
    const db = api.platform.db;
    const { from, to } = zonedDayRange(today(), 'Asia/Shanghai');
    const [paid] = await db('payments as p')
      .join('orders as o', 'o.id', 'p.order_id')
      .where({ 'o.channel_id': 'ota:tongcheng', 'p.provider': 'account' })
      .whereIn('p.status', ['succeeded', 'refunded'])
      .andWhere('p.created_at', '>=', from)
      .andWhere('p.created_at', '<', to)
      .sum<{ s: number }[]>({ s: 'p.amount' });
    const [back] = await db('refunds as r')
      .join('orders as o', 'o.id', 'r.order_id')
      .where({ 'o.channel_id': 'ota:tongcheng' })
      .andWhere('r.created_at', '>=', from)
      .andWhere('r.created_at', '<', to)
      .sum<{ s: number }[]>({ s: 'r.amount' });
    expect((s.totals as Body).salesAmount).toBe(Number(paid!.s));
    expect((s.totals as Body).refundedAmount).toBe(Number(back!.s));

    // CSV: the same numbers in yuan, with a totals row
    const csv = (await tc.client.settlementCsv(today())).trim().split('\r\n');
    expect(csv).toHaveLength(1 + 5 + 1);
    expect(csv.at(-1)).toBe(`total,${s.to as string},,,,,${today()},407.40,,50.93,356.47`);
  });

  it('is reproducible: the same statement later, after the commission rate changed', async () => {
    const before = await settlementStatement(api.platform.db, 'tongcheng', today());
    await upsertChannels(api.platform.db, [
      {
        id: 'ota:tongcheng',
        name: 'tongcheng',
        kind: 'online',
        enabled: true,
        commissionBps: 2000,
        discountBps: 300,
        sellsFrom: null,
        sellsUntil: null,
      },
    ]);
    const after = await settlementStatement(api.platform.db, 'tongcheng', today());
    expect(after).toEqual(before);
    expect(after.checksum).toMatch(/^[0-9a-f]{64}$/);
    const empty = await settlementStatement(api.platform.db, 'tongcheng', day(-1));
    expect(empty.totals).toEqual({
      orders: 0,
      refunds: 0,
      salesAmount: 0,
      refundedAmount: 0,
      gross: 0,
      commission: 0,
      net: 0,
    });
    // admins read any partner's statement; partners only their own (the key decides)
    const admin = await api.call('GET', `/v1/admin/partners/tongcheng/settlements/${today()}`, {
      key: api.adminKey,
    });
    expect(admin.body.checksum).toBe(before.checksum);
  });
});
