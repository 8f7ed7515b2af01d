import { beforeAll, describe, expect, it } from 'vitest';
import { residentId, useApi } from '../support/platform.js';
import { localParts } from '../../core/time.js';
import { reconcileDay } from '../../core/orders/reconcile.js';
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
});
