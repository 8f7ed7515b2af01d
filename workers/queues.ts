import { Queue, Worker, type Processor } from 'bullmq';
import type { Platform } from '../core/platform.js';
import { traceCarrier, type TraceCarrier } from '../core/telemetry/trace.js';

/** Queue names; each has exactly one processor in workers/. */
export const QUEUES = {
  holdExpiry: 'hold-expiry',
  maintenance: 'maintenance',
  outbox: 'outbox',
  notify: 'notify',
  reports: 'reports',
  payments: 'payments',
  reconciliation: 'reconciliation',
  forecast: 'forecast',
  members: 'members',
  campaigns: 'campaigns',
} as const;

/**
 * BullMQ keeps its own keys under this prefix (it refuses ioredis keyPrefix). A hash tag:
 * BullMQ's scripts touch several keys of a queue at once, which a Redis Cluster allows only
 * within one slot, so every queue of the deployment sits in the slot of `{<prefix>bull}`.
 */
export const bullPrefix = (p: Platform) => `{${p.cfg.REDIS_PREFIX}bull}`;

/**
 * A queue's one worker (one job at a time: these queues' jobs touch the same rows, and
 * their limits hold only in series) plus its `sweep` job every `everyMs`, which picks up
 * whatever an event job missed. Close both on shutdown.
 */
export async function startSweepingWorker<J extends { kind: string }>(
  p: Platform,
  name: (typeof QUEUES)[keyof typeof QUEUES],
  processor: Processor<J>,
  // names are plain strings (BullMQ cannot work the name type out of a generic `J`)
  queue: Queue<J, unknown, string, J, unknown, string>,
  sweep: J,
  everyMs: number,
): Promise<{ close(): Promise<void> }> {
  const worker = new Worker<J>(name, processor, {
    connection: p.connectRedis({ prefixed: false, forQueues: true }),
    prefix: bullPrefix(p),
    concurrency: 1,
  });
  worker.on('failed', (job, err) =>
    p.log.warn({ queue: name, job: job?.id, err: err.message }, 'job failed'),
  );
  await queue.upsertJobScheduler(
    'sweep',
    { every: everyMs },
    { name: 'sweep', data: sweep, opts: { removeOnComplete: 100, removeOnFail: 100 } },
  );
  return {
    async close() {
      await worker.close();
      await queue.close();
    },
  };
}

/** Most expiry jobs sent in one MULTI: a burst of orders is a handful of round trips, not one each. */
const EXPIRY_BATCH = 500;

/**
 * Releases a hold at its expiry: a delayed job whose id is the order id, so placing
 * the same order twice schedules it once; an extended hold gets one more job per new
 * expiry. If the job is lost the sweeper and the
 * reconciler still expire the hold.
 *
 * Jobs asked for while a batch is on its way go out together in the next one (`addBulk`,
 * one MULTI): under a surge the order path pays a queue entry, not a Redis round trip, and
 * need not wait for it (issue 19).
 */
export function holdExpiryScheduler(p: Platform) {
  let queue: Queue | undefined;
  const get = () =>
    (queue ??= new Queue(QUEUES.holdExpiry, {
      connection: p.connectRedis({ prefixed: false, forQueues: true }),
      prefix: bullPrefix(p),
    }));
  interface Pending {
    orderId: string;
    jobId: string;
    at: Date;
    trace: TraceCarrier;
    done: (e?: Error) => void;
  }
  const pending: Pending[] = [];
  let flushing: Promise<void> | undefined;
  const flush = async (): Promise<void> => {
    while (pending.length) {
      const batch = pending.splice(0, EXPIRY_BATCH);
      const now = p.clock.now().getTime();
      try {
        await get().addBulk(
          batch.map((j) => ({
            name: 'expire',
            data: { orderId: j.orderId, trace: j.trace },
            opts: {
              jobId: j.jobId,
              delay: Math.max(0, j.at.getTime() - now) + 250,
              removeOnComplete: 1000,
              removeOnFail: 1000,
              attempts: 5,
              backoff: { type: 'exponential', delay: 1000 },
            },
          })),
        );
        for (const j of batch) j.done();
      } catch (e) {
        const err = e instanceof Error ? e : new Error(String(e));
        for (const j of batch) j.done(err);
      }
    }
  };
  // one batch in flight at a time; what arrives meanwhile waits for the next
  const kick = (): void => {
    if (flushing) return;
    flushing = new Promise<void>((r) => setImmediate(r)).then(flush).finally(() => {
      flushing = undefined;
      // a job queued after the loop's last look, before this callback, is not left behind
      if (pending.length) kick();
    });
  };
  const add = (orderId: string, jobId: string, at: Date) =>
    new Promise<void>((resolve, reject) => {
      pending.push({ orderId, jobId, at, trace: traceCarrier(), done: (e) => (e ? reject(e) : resolve()) });
      kick();
    });
  return {
    schedule(orderId: string, at: Date): Promise<void> {
      return add(orderId, orderId, at);
    },
    /** A later expiry of the same order (an extended hold): its own job id per expiry. */
    reschedule(orderId: string, at: Date): Promise<void> {
      return add(orderId, `${orderId}@${at.getTime()}`, at);
    },
    /** Sends what is still waiting, then closes the queue. */
    async close(): Promise<void> {
      while (flushing) await flushing;
      await queue?.close();
    },
  };
}
