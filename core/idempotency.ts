import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import type { Clock } from './clock.js';
import { DomainError, conflict, inputError, isDomainError } from './errors.js';

/**
 * Idempotent POSTs. The first request with a key runs; its response is stored and
 * replayed for every later request with the same key; the same key with another
 * body is refused (422); concurrent duplicates wait for the first and replay it.
 *
 * Operations that create something must store their response *inside their own
 * transaction* (see `completeInTransaction`), so a crash between "order committed"
 * and "response stored" cannot make a retry create a second order.
 */
export interface IdempotencyKey {
  scope: string;
  key: string;
  requestHash: string;
  /**
   * What the caller proves it is (its X-Client-Secret, else the key itself). Never stored:
   * an operation derives from it the bearer tokens its answer holds (an order's access
   * token), so the stored answer holds none and a replay derives them again (issue 17 item 14).
   */
  secret?: string;
  /**
   * The lease of the run that holds the key (its `locked_until`), set by runIdempotent.
   * A run that outlived its lease and was taken over by a retry no longer owns the key:
   * completing it then fails, and its transaction rolls back, so one key makes one order.
   */
  lease?: Date;
}

export interface StoredResponse<T = unknown> {
  status: number;
  body: T;
}

const LOCK_MS = 30_000;
const WAIT_MS = 10_000;

export function requestHash(method: string, path: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method} ${path}\n${JSON.stringify(body ?? null)}`)
    .digest('base64url');
}

export function validateKey(key: string | undefined): string {
  if (!key || !/^[A-Za-z0-9_:.-]{8,128}$/.test(key)) {
    throw inputError(
      'idempotency_key_required',
      'an Idempotency-Key header of 8-128 URL-safe characters is required',
      [{ path: 'header.Idempotency-Key', message: 'missing or malformed' }],
    );
  }
  return key;
}

/** Where the run holding `k` may write its key: still running, still under its lease. */
const owned = (db: Knex, k: IdempotencyKey) =>
  db('idempotency_keys')
    .where({ scope: k.scope, key: k.key, state: 'running' })
    .modify((q) => void (k.lease ? q.where('locked_until', k.lease) : q));

/** Stores the answer of the run holding `k`; how many rows it wrote (0: no longer ours). */
const storeAnswer = (db: Knex, k: IdempotencyKey, res: StoredResponse): Promise<number> =>
  owned(db, k).update({
    state: 'done',
    status_code: res.status,
    response: JSON.stringify(res.body),
    locked_until: null,
  });

/**
 * Records the response inside the caller's transaction. Throws (rolling the caller's
 * work back) when this run no longer owns the key: its lease lapsed and a retry took
 * the key over, and that retry's answer is the one that counts.
 */
export async function completeInTransaction(
  trx: Knex.Transaction,
  k: IdempotencyKey,
  res: StoredResponse,
): Promise<void> {
  if ((await storeAnswer(trx, k, res)) !== 1)
    throw new DomainError(
      'unavailable',
      'idempotency_key_lost',
      'this request took too long and a retry with the same Idempotency-Key took over; its answer counts',
    );
}

/**
 * Runs `fn` at most once per key. `fn` receives the key so it can complete it in its
 * transaction (and then says so with `storedInTransaction`); otherwise the response is
 * stored here.
 * Domain errors (4xx) are stored and replayed too; anything else frees the key so a
 * retry can run.
 */
export async function runIdempotent<T>(
  db: Knex,
  clock: Clock,
  k: IdempotencyKey,
  fn: (k: IdempotencyKey) => Promise<StoredResponse<T> & { storedInTransaction?: boolean }>,
  toProblem: (e: DomainError) => StoredResponse,
): Promise<StoredResponse & { replayed: boolean }> {
  const deadline = clock.now().getTime() + WAIT_MS;
  for (;;) {
    const now = clock.now();
    const lease = new Date(now.getTime() + LOCK_MS);
    const inserted = await db('idempotency_keys')
      .insert({
        scope: k.scope,
        key: k.key,
        request_hash: k.requestHash,
        state: 'running',
        locked_until: lease,
      })
      .onConflict(['scope', 'key'])
      .ignore()
      .returning('key');
    let mine = inserted.length === 1;
    if (!mine) {
      const row = await db('idempotency_keys').where({ scope: k.scope, key: k.key }).first();
      if (!row) continue; // freed between our insert and read: try again
      if (row.request_hash !== k.requestHash) {
        throw new DomainError(
          'input',
          'idempotency_key_reused',
          'this Idempotency-Key was used with a different request',
          {
            fields: [{ path: 'header.Idempotency-Key', message: 'already used for another request body' }],
          },
        );
      }
      if (row.state === 'done') return { status: row.status_code!, body: row.response, replayed: true };
      // Running elsewhere. Take it over only if its lock lapsed (that worker died).
      if (row.locked_until && row.locked_until.getTime() < now.getTime()) {
        const took = await db('idempotency_keys')
          .where({ scope: k.scope, key: k.key, state: 'running' })
          .andWhere('locked_until', '<', now)
          .update({ locked_until: lease });
        mine = took === 1;
      }
      if (!mine) {
        if (clock.now().getTime() > deadline)
          throw conflict(
            'idempotency_in_progress',
            'the first request with this key is still running; retry shortly',
            { retryAfterSeconds: 1 },
          );
        await new Promise((r) => setTimeout(r, 25));
        continue;
      }
    }
    const held: IdempotencyKey = { ...k, lease };
    try {
      const { storedInTransaction, ...res } = await fn(held);
      // an operation that completed the key in its own transaction needs no second write
      if (!storedInTransaction) await storeAnswer(db, held, res);
      return { ...res, replayed: false };
    } catch (e) {
      if (isDomainError(e) && e.kind !== 'unavailable') {
        const res = toProblem(e);
        await storeAnswer(db, held, res);
        return { ...res, replayed: false };
      }
      await owned(db, held).delete(); // only our own run: a retry that took over keeps its key
      throw e;
    }
  }
}

/** How long a finished key is kept by default: retries come within minutes, never days. */
export const IDEMPOTENCY_TTL_HOURS = 24;

/**
 * Forgets keys older than `ttlHours` (the sweeper's job): finished ones, and runs whose
 * lease lapsed long ago (their worker died). A retry after that runs as a new request.
 */
export async function sweepIdempotencyKeys(
  db: Knex,
  now: Date,
  ttlHours = IDEMPOTENCY_TTL_HOURS,
): Promise<number> {
  const before = new Date(now.getTime() - ttlHours * 3_600_000);
  return db('idempotency_keys')
    .where('created_at', '<', before)
    .andWhere((q) => void q.where({ state: 'done' }).orWhere('locked_until', '<', before))
    .delete();
}
