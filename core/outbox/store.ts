import type { Knex } from 'knex';
import type { Clock } from '../clock.js';
import type { OutboxRow } from '../db/tables.js';
import type { Logger } from '../log.js';
import { Insert } from '../db/one-statement.js';

/**
 * The outbox: domain events committed with their change (`outbox()` in the change's
 * transaction), handed on after the commit by the relay (workers/outbox.ts says what
 * each topic does). At-least-once: a row is published only after its handler succeeded.
 */
export async function outbox(
  db: Knex,
  topic: string,
  aggregateId: string,
  payload: Record<string, unknown>,
): Promise<void> {
  await outboxInsert(topic, aggregateId, payload).send(db);
}

/** The insert `outbox` sends, unsent: for a caller that sends it with other writes as one statement. */
export function outboxInsert(topic: string, aggregateId: string, payload: Record<string, unknown>): Insert {
  return new Insert('outbox', [{ topic, aggregate_id: aggregateId, payload: JSON.stringify(payload) }]);
}

/** Attempts of one event before it is set aside (`failed_at`); backoff doubles from 1 s up to 10 min. */
export const OUTBOX_MAX_ATTEMPTS = 8;
const backoffMs = (attempts: number) => Math.min(600_000, 1_000 * 2 ** (attempts - 1));

/**
 * Handles one event inside a savepoint of the relay's transaction; what it returns is
 * collected for after the commit (the webhook deliveries it recorded).
 */
export type OutboxHandler = (sp: Knex.Transaction, row: OutboxRow) => Promise<string[]>;

export interface RelayDeps {
  db: Knex;
  clock: Clock;
  log: Logger;
}

/**
 * Relays one batch. Rows are claimed with SKIP LOCKED so several workers share the work.
 * Each event is handled in a savepoint of its own: one that fails is retried later with
 * backoff and set aside after OUTBOX_MAX_ATTEMPTS, and never holds back the events
 * behind it. Returns how many were published and what the handlers returned.
 */
export async function relayBatch(
  d: RelayDeps,
  handle: OutboxHandler,
  batch = 100,
): Promise<{ published: number; collected: string[] }> {
  const collected: string[] = [];
  const published = await d.db.transaction(async (trx) => {
    const now = d.clock.now();
    const rows = await trx('outbox')
      .whereNull('published_at')
      .andWhere((q) => void q.whereNull('next_attempt_at').orWhere('next_attempt_at', '<=', now))
      .orderBy('id')
      .limit(batch)
      .forUpdate()
      .skipLocked();
    const done: number[] = [];
    for (const r of rows) {
      try {
        collected.push(...(await trx.transaction((sp) => handle(sp, r))));
        done.push(r.id);
      } catch (e) {
        await setBack(d.log, trx, r, e, now);
      }
    }
    if (done.length) await trx('outbox').whereIn('id', done).update({ published_at: now });
    return done.length;
  });
  return { published, collected };
}

/** A failed event: retried after its backoff, or set aside after its last attempt. */
async function setBack(log: Logger, trx: Knex.Transaction, r: OutboxRow, e: unknown, now: Date) {
  const attempts = r.attempts + 1;
  const dead = attempts >= OUTBOX_MAX_ATTEMPTS;
  const error = (e instanceof Error ? e.message : String(e)).slice(0, 500);
  if (dead)
    log.error(
      { outboxId: r.id, topic: r.topic, attempts, error },
      'outbox event failed for good; set aside (failed_at)',
    );
  else log.warn({ outboxId: r.id, topic: r.topic, attempts, error }, 'outbox event failed; will retry');
  await trx('outbox')
    .where({ id: r.id })
    .update({
      attempts,
      last_error: error,
      next_attempt_at: new Date(now.getTime() + backoffMs(attempts)),
      ...(dead ? { published_at: now, failed_at: now } : {}),
    });
}
