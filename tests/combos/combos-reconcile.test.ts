import { beforeAll, describe, expect, it } from 'vitest';
import { residentId, useApi } from '../support/platform.js';
import { localParts } from '../../core/time.js';
import { reconcileDay } from '../../core/orders/reconcile.js';
import { endHold } from '../../core/orders/lifecycle.js';
import { reserveSeats, seatReservations } from '../../core/combos/stock.js';
import { comboArea, defineComponents, placeCombo } from './support.js';

const TODAY = localParts(new Date(), 'Asia/Shanghai').date;
const AREA = 'cmbr';

/**
 * Issue 18: combo seats taken by a process that died before its order was written (no
 * order points at them) are given back by the reconciler once past the grace period; a
 * live order's seats stay.
 */
describe('18 combos: the reconciler frees seats no live order points at', () => {
  const api = useApi({ app: { rateLimits: false } });

  beforeAll(async () => {
    await api.seed(comboArea(AREA));
    await defineComponents(api, AREA, 5);
  });

  it('releases an orphaned seat reservation and keeps a held order’s', async () => {
    const redis = api.platform.redis;
    const held = await placeCombo(api, {
      areaId: AREA,
      date: TODAY,
      slotId: 'day',
      items: [{ productId: 'trio', visitors: [{ name: '周八', idNumber: residentId('19700101', 901) }] }],
      sessions: { bus: 'b0900', show: 's1930' },
    });
    expect(held.status).toBe(201);
    const taken = await reserveSeats(
      redis,
      AREA,
      TODAY,
      '01900000-0000-7000-8000-00000000dead',
      [{ componentId: 'bus', sessionId: 'b0900', seats: 2, capacity: 5 }],
      Date.now() - 120_000,
    );
    expect(taken.ok).toBe(true);
    expect([...(await seatReservations(redis, AREA, TODAY)).keys()].sort()).toHaveLength(2);

    const report = await reconcileDay(api.platform.orders, AREA, TODAY, 60_000);
    expect(report.orphansReleased).toContain('seats:01900000-0000-7000-8000-00000000dead');
    const left = await seatReservations(redis, AREA, TODAY);
    expect([...left.keys()]).toEqual([held.body.id]);
    expect(await redis.hget(`cmb:{${AREA}}:${TODAY}`, 'bus|b0900')).toBe('1');
  });

  it('a payment arriving after the hold lapsed takes the seats again with the entry', async () => {
    const seat = () => api.platform.redis.hget(`cmb:{${AREA}}:${TODAY}`, 'bus|b1400');
    const placed = await placeCombo(api, {
      areaId: AREA,
      date: TODAY,
      slotId: 'day',
      items: [{ productId: 'trio', visitors: [{ name: '吴九', idNumber: residentId('19700101', 902) }] }],
      sessions: { bus: 'b1400', show: 's1930' },
    });
    expect(placed.status).toBe(201);
    const id = placed.body.id as string;
    const token = placed.body.accessToken as string;
    const pay = await api.call('POST', `/v1/orders/${id}/payments`, { headers: { 'x-order-token': token } });
    expect(pay.status).toBe(201);
    expect(await seat()).toBe('1');
    // the hold runs out before the money's notice arrives
    await api.platform
      .db('orders')
      .where({ id })
      .update({ expires_at: new Date(Date.now() - 1000) });
    expect(await endHold(api.platform.orders, id, 'expired')).toBe(true);
    expect(await seat()).toBe('0');
    await api.pay(id);
    let status = '';
    for (let i = 0; i < 100 && status !== 'issued'; i++) {
      status = (await api.call('GET', `/v1/orders/${id}`, { headers: { 'x-order-token': token } })).body
        .status as string;
      if (status !== 'issued') await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe('issued');
    expect(await seat()).toBe('1');
    const bookings = await api.platform.db('combo_bookings').where({ order_id: id }).select('status');
    expect(bookings.map((b) => b.status)).toEqual(['active', 'active']);
  });
});
