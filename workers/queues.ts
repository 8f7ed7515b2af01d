import { Queue, Worker, type Processor } from 'bullmq';
import type { Platform } from '../core/platform.js';
import { traceCarrier } from '../core/telemetry/trace.js';

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

/**
 * Releases a hold at its expiry: a delayed job whose id is the order id, so placing
 * the same order twice schedules it once; an extended hold gets one more job per new
 * expiry. If the job is lost the sweeper and the
 * reconciler still expire the hold.
 */
export function holdExpiryScheduler(p: Platform) {
  let queue: Queue | undefined;
  const get = () =>
    (queue ??= new Queue(QUEUES.holdExpiry, {
      connection: p.connectRedis({ prefixed: false, forQueues: true }),
      prefix: bullPrefix(p),
    }));
  const add = async (orderId: string, jobId: string, at: Date) => {
    const delay = Math.max(0, at.getTime() - p.clock.now().getTime()) + 250;
    await get().add(
      'expire',
      { orderId, trace: traceCarrier() },
      {
        jobId,
        delay,
        removeOnComplete: 1000,
        removeOnFail: 1000,
        attempts: 5,
        backoff: { type: 'exponential', delay: 1000 },
      },
    );
  };
  return {
    async schedule(orderId: string, at: Date): Promise<void> {
      await add(orderId, orderId, at);
    },
    /** A later expiry of the same order (an extended hold): its own job id per expiry. */
    async reschedule(orderId: string, at: Date): Promise<void> {
      await add(orderId, `${orderId}@${at.getTime()}`, at);
    },
    async close(): Promise<void> {
      await queue?.close();
    },
  };
}
