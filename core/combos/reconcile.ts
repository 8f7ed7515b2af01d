import { LIVE_STATUSES } from '../orders/model.js';
import type { OrderDeps } from '../orders/store.js';
import { releaseSeats, seatReservations } from './stock.js';

/**
 * The reconciler's step for combo seats (core/orders/reconcile.ts step 2, the same rule):
 * a seat reservation no live order points at is given back once it is older than the
 * grace period — a process that died between taking the seats and committing its order,
 * or a release that failed after a committed refund or expiry.
 */
export async function releaseOrphanSeats(
  d: OrderDeps,
  areaId: string,
  date: string,
  graceMs: number,
): Promise<string[]> {
  const now = d.clock.now().getTime();
  const held = await seatReservations(d.inventory.redis, areaId, date);
  const old = [...held].filter(([, r]) => now - r.takenAt >= graceMs).map(([resId]) => resId);
  if (!old.length) return [];
  const live = new Set(
    (await d.db('orders').whereIn('res_id', old).whereIn('status', LIVE_STATUSES).select('res_id')).map(
      (o) => o.res_id,
    ),
  );
  const orphans = old.filter((resId) => !live.has(resId));
  for (const resId of orphans) await releaseSeats(d.inventory.redis, areaId, date, resId, 'all');
  return orphans.map((resId) => `seats:${resId}`);
}
