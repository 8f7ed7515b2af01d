import { Queue, type Job } from 'bullmq';
import type { Platform } from '../core/platform.js';
import { pollPayments } from '../core/orders/payment-sync.js';
import { dueRefunds, sendRefund } from '../core/orders/refunds.js';
import { QUEUES, bullPrefix } from './queues.js';

/**
 * payments: the money the providers hold, asked about on a schedule.
 *  - `poll`: every provider payment whose next query is due — asked (a lost notification
 *    is found before the hold expires), or closed at the provider once its hold is gone;
 *  - `refunds`: provider refunds due — sent, polled until final, or sent again with their
 *    own backoff (a stuck refund waits longer each time and never blocks the rest).
 * Both are idempotent (the books move only forward; the providers key refunds by our id).
 */
export interface PaymentJobOptions {
  /** payments asked per `poll` pass */
  pollBatch?: number;
  /** refunds taken per `refunds` pass */
  refundBatch?: number;
}

export function paymentsProcessor(p: Platform, opts: PaymentJobOptions = {}) {
  return async (job: Job) => {
    switch (job.name) {
      case 'poll':
        return pollPayments(p.orders, opts.pollBatch ?? 200);
      case 'refunds':
        return refundPass(p, opts.refundBatch ?? 100);
      default:
        throw new Error(`unknown payments job ${job.name}`);
    }
  };
}

/** One pass over the provider refunds due now. */
export async function refundPass(p: Platform, batch: number): Promise<Record<string, number>> {
  const out: Record<string, number> = { taken: 0 };
  for (const id of await dueRefunds(p.orders, batch)) {
    out.taken!++;
    const status = await sendRefund(p.orders, id);
    out[status] = (out[status] ?? 0) + 1;
  }
  return out;
}

/** Schedules both passes (one scheduler per deployment, whatever the replicas). */
export async function schedulePayments(
  p: Platform,
  every: { pollMs?: number; refundsMs?: number } = {},
): Promise<Queue> {
  const q = new Queue(QUEUES.payments, {
    connection: p.connectRedis({ prefixed: false, forQueues: true }),
    prefix: bullPrefix(p),
  });
  const opts = { removeOnComplete: 100, removeOnFail: 100 };
  await q.upsertJobScheduler('poll', { every: every.pollMs ?? 10_000 }, { name: 'poll', opts });
  await q.upsertJobScheduler('refunds', { every: every.refundsMs ?? 15_000 }, { name: 'refunds', opts });
  return q;
}
