import { Queue, Worker, type Job } from 'bullmq';
import type { Knex } from 'knex';
import type { Platform } from '../core/platform.js';
import { subscribeInventoryEvents } from '../core/inventory/events.js';
import { auditLevelChange } from '../core/channels/registry.js';
import { bullPrefix } from './queues.js';
import {
  DEFAULT_WEBHOOK_ATTEMPTS,
  DEFAULT_WEBHOOK_BACKOFF_MS,
  WEBHOOK_QUEUE,
  attemptDelivery,
  deliveryJobId,
  markDead,
  recordDeliveries,
  strandedDeliveries,
  type OutboxEvent,
} from '../core/channels/webhooks.js';

/**
 * partner-webhooks: one job per delivery (job id `wh-<delivery>-<replay>`), retried by
 * BullMQ with exponential backoff (`backoffMs × 2^(n-1)`); after the last attempt the
 * delivery goes to the dead-letter state. A `sweep` job re-enqueues deliveries whose job
 * was lost (the relay committed them but could not reach Redis, say).
 */
export interface WebhookOptions {
  attempts?: number;
  backoffMs?: number;
  timeoutMs?: number;
  sweepEveryMs?: number;
  concurrency?: number;
}

/** What the outbox relay needs: record deliveries in its transaction, enqueue after commit. */
export interface WebhookFanout {
  record(trx: Knex.Transaction, row: OutboxEvent): Promise<string[]>;
  enqueue(ids: readonly string[]): Promise<void>;
}

interface DeliverJob {
  deliveryId: string;
}

export function webhookJobOptions(o: WebhookOptions) {
  return {
    attempts: o.attempts ?? DEFAULT_WEBHOOK_ATTEMPTS,
    backoff: { type: 'exponential' as const, delay: o.backoffMs ?? DEFAULT_WEBHOOK_BACKOFF_MS },
    removeOnComplete: 1000,
    removeOnFail: 5000,
  };
}

export function webhookProcessor(
  p: Platform,
  o: WebhookOptions,
  requeue: (ids: { id: string; replays: number }[]) => Promise<void>,
) {
  const attempts = o.attempts ?? DEFAULT_WEBHOOK_ATTEMPTS;
  const backoff = o.backoffMs ?? DEFAULT_WEBHOOK_BACKOFF_MS;
  return async (job: Job<DeliverJob>) => {
    if (job.name === 'sweep') {
      const stranded = await strandedDeliveries(p.db, p.clock.now(), Math.max(60_000, backoff * 2));
      await requeue(stranded);
      return { requeued: stranded.length };
    }
    const r = await attemptDelivery(
      { db: p.db, vault: p.vault, clock: p.clock, timeoutMs: o.timeoutMs },
      job.data.deliveryId,
      backoff * 2 ** job.attemptsMade,
    );
    if (r.outcome !== 'failed') return r;
    if (job.attemptsMade + 1 >= attempts) await markDead(p.db, job.data.deliveryId, p.clock.now());
    throw new Error(`webhook ${job.data.deliveryId}: ${r.error}`);
  };
}

/** Starts the webhook worker and its sweeper; returns the fan-out the outbox relay uses. */
export async function startWebhooks(
  p: Platform,
  o: WebhookOptions = {},
): Promise<WebhookFanout & { close(): Promise<void> }> {
  const prefix = bullPrefix(p);
  const queue = new Queue<DeliverJob>(WEBHOOK_QUEUE, {
    connection: p.connectRedis({ prefixed: false, forQueues: true }),
    prefix,
  });
  const enqueue = async (ids: readonly { id: string; replays: number }[]) => {
    if (!ids.length) return;
    await queue.addBulk(
      ids.map((d) => ({
        name: 'deliver',
        data: { deliveryId: d.id },
        opts: { jobId: deliveryJobId(d.id, d.replays), ...webhookJobOptions(o) },
      })),
    );
  };
  const worker = new Worker<DeliverJob>(WEBHOOK_QUEUE, webhookProcessor(p, o, enqueue), {
    connection: p.connectRedis({ prefixed: false, forQueues: true }),
    prefix,
    concurrency: o.concurrency ?? 8,
  });
  worker.on('failed', (job, err) =>
    p.log.warn(
      { queue: WEBHOOK_QUEUE, job: job?.id, attempts: job?.attemptsMade, err: err.message },
      'webhook attempt failed',
    ),
  );
  // capacity levels switch channels by themselves: the audit trail says which, when
  const subscriber = p.connectRedis({ prefixed: false });
  const unsubscribe = await subscribeInventoryEvents(subscriber, p.cfg.REDIS_PREFIX, (e) => {
    if (e.type !== 'capacity-level') return;
    void p.catalog
      .channels()
      .then((chs) => auditLevelChange(p.db, p.redis, e, [...chs.values()]))
      .catch((err: unknown) =>
        p.log.warn({ err, areaId: e.areaId, date: e.date }, 'could not audit a capacity level change'),
      );
  });
  await queue.upsertJobScheduler(
    'sweep',
    { every: o.sweepEveryMs ?? 30_000 },
    { name: 'sweep', data: { deliveryId: '' }, opts: { removeOnComplete: 100, removeOnFail: 100 } },
  );
  return {
    record: (trx, row) => recordDeliveries(trx, row, p.clock.now()),
    enqueue: (ids) => enqueue(ids.map((id) => ({ id, replays: 0 }))),
    async close() {
      await unsubscribe().catch(() => undefined);
      subscriber.disconnect();
      await worker.close();
      await queue.close();
    },
  };
}
