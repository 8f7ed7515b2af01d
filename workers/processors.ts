import type { Job } from 'bullmq';
import type { Platform } from '../core/platform.js';
import { endHold, overdueHolds, pendingRefunds, sendRefund } from '../core/orders/lifecycle.js';
import { holdState } from '../core/orders/store.js';
import { listAreas } from '../core/catalog/catalog.js';
import { hasDrift, reconcileAll } from '../core/orders/reconcile.js';
import { lapseClaims } from '../core/orders/waitlist.js';
import { releaseExpiredPresaleHolds } from '../core/presale/holds.js';
import { sweepIdempotencyKeys } from '../core/idempotency.js';

/**
 * hold-expiry: one job per order, idempotent (an order that is no longer held is left
 * alone). A hold extended since its job was scheduled is still held when the job runs:
 * the job then schedules its successor at the new expiry (`later`).
 */
export function holdExpiryProcessor(p: Platform, later: (orderId: string, at: Date) => Promise<void>) {
  return async (job: Job<{ orderId: string }>) => {
    const expired = await endHold(p.orders, job.data.orderId, 'expired');
    if (expired) return { expired };
    const o = await holdState(p.db, job.data.orderId);
    if (o?.status === 'held' && o.expires_at) {
      await later(job.data.orderId, o.expires_at);
      return { expired, rescheduledTo: o.expires_at.toISOString() };
    }
    return { expired };
  };
}

/**
 * maintenance: the periodic safety nets. `sweep` expires holds whose job was lost;
 * `reconcile` makes Redis agree with Postgres and logs what it repaired; `refunds`
 * retries refunds the gateway did not confirm; `housekeeping` (hourly) forgets old
 * idempotency keys.
 */
export function maintenanceProcessor(p: Platform) {
  return async (job: Job) => {
    switch (job.name) {
      case 'sweep': {
        let n = 0;
        for (const id of await overdueHolds(p.orders)) if (await endHold(p.orders, id, 'expired')) n++;
        const lapsed = await lapseClaims(p.orders, p.sms);
        const areas = await listAreas(p.db);
        const presale = await releaseExpiredPresaleHolds(
          p.inventory,
          areas.map((a) => a.id),
        );
        return { expired: n, lapsedClaims: lapsed, presaleHoldsReleased: presale };
      }
      case 'reconcile': {
        const reports = await reconcileAll(p.orders, await p.inventory.reservationDays());
        const drift = reports.filter(hasDrift);
        for (const r of drift) p.log.warn({ drift: r }, 'inventory drift repaired');
        return { days: reports.length, drifted: drift.length };
      }
      case 'refunds': {
        const pending = await pendingRefunds(p.db, 100);
        let done = 0;
        for (const id of pending) if ((await sendRefund(p.orders, id)) === 'succeeded') done++;
        return { retried: pending.length, succeeded: done };
      }
      case 'housekeeping':
        // idempotency keys are kept a day, then forgotten (issue 17 item 14)
        return { idempotencyKeysForgotten: await sweepIdempotencyKeys(p.db, p.clock.now()) };
      default:
        throw new Error(`unknown maintenance job ${job.name}`);
    }
  };
}
