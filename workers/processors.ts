import type { Job } from 'bullmq';
import type { Platform } from '../core/platform.js';
import { overdueHolds } from '../core/orders/lifecycle.js';
import { expireHold } from '../core/orders/payment-sync.js';
import { holdState } from '../core/orders/store.js';
import { listAreas } from '../core/catalog/catalog.js';
import { hasDrift, reconcileAll } from '../core/orders/reconcile.js';
import { lapseClaims } from '../core/orders/waitlist.js';
import { releaseExpiredPresaleHolds } from '../core/presale/holds.js';
import { sweepIdempotencyKeys } from '../core/idempotency.js';

/**
 * hold-expiry: one job per order, idempotent (an order that is no longer held is left
 * alone). The providers are asked first (a payment made but never notified sells), and
 * their orders closed once the hold is gone (core/orders/payment-sync.ts). A hold
 * extended since its job was scheduled is still held when the job runs: the job then
 * schedules its successor at the new expiry (`later`).
 */
export function holdExpiryProcessor(p: Platform, later: (orderId: string, at: Date) => Promise<void>) {
  return async (job: Job<{ orderId: string }>) => {
    const expired = await expireHold(p.orders, job.data.orderId);
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
 * maintenance: the periodic safety nets. `sweep` expires holds whose job was lost (asking
 * the providers first, like the job); `reconcile` makes Redis agree with Postgres and logs
 * what it repaired; `housekeeping` (hourly) forgets old idempotency keys. Refunds and
 * payment queries are the `payments` queue's (payments.ts).
 */
export function maintenanceProcessor(p: Platform) {
  return async (job: Job) => {
    switch (job.name) {
      case 'sweep': {
        let n = 0;
        for (const id of await overdueHolds(p.orders)) if (await expireHold(p.orders, id)) n++;
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
      case 'housekeeping':
        // idempotency keys are kept a day, then forgotten (issue 17 item 14)
        return { idempotencyKeysForgotten: await sweepIdempotencyKeys(p.db, p.clock.now()) };
      default:
        throw new Error(`unknown maintenance job ${job.name}`);
    }
  };
}
