import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import type { Clock } from './clock.js';
import { DomainError, conflict, inputError } from './errors.js';

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
}

export interface StoredResponse<T = unknown> {
  status: number;
  body: T;
}

const LOCK_MS = 30_000;
const WAIT_MS = 10_000;

export function requestHash(method: string, path: string, body: unknown): string {
  return createHash('sha256').update(`${method} ${path}\n${JSON.stringify(body ?? null)}`).digest('base64url');
}

export function validateKey(key: string | undefined): string {
  if (!key || !/^[A-Za-z0-9_:.-]{8,128}$/.test(key)) {
    throw inputError('idempotency_key_required', 'an Idempotency-Key header of 8-128 URL-safe characters is required', [
      { path: 'header.Idempotency-Key', message: 'missing or malformed' },
    ]);
  }
  return key;
}

/** Records the response inside the caller's transaction. */
export async function completeInTransaction(trx: Knex.Transaction, k: IdempotencyKey, res: StoredResponse): Promise<void> {
  await trx('idempotency_keys')
    .where({ scope: k.scope, key: k.key })
    .update({ state: 'done', status_code: res.status, response: JSON.stringify(res.body), locked_until: null });
}

interface Row {
  state: 'running' | 'done';
  request_hash: string;
  status_code: number | null;
  response: unknown;
  locked_until: Date | null;
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
    const inserted = await db('idempotency_keys')
      .insert({ scope: k.scope, key: k.key, request_hash: k.requestHash, state: 'running', locked_until: new Date(now.getTime() + LOCK_MS) })
      .onConflict(['scope', 'key'])
      .ignore()
      .returning('key');
    let mine = inserted.length === 1;
    if (!mine) {
      const row = (await db('idempotency_keys').where({ scope: k.scope, key: k.key }).first()) as Row | undefined;
      if (!row) continue; // freed between our insert and read: try again
      if (row.request_hash !== k.requestHash) {
        throw new DomainError('input', 'idempotency_key_reused', 'this Idempotency-Key was used with a different request', {
          fields: [{ path: 'header.Idempotency-Key', message: 'already used for another request body' }],
        });
      }
      if (row.state === 'done') return { status: row.status_code!, body: row.response, replayed: true };
      // Running elsewhere. Take it over only if its lock lapsed (that worker died).
      if (row.locked_until && row.locked_until.getTime() < now.getTime()) {
        const took = await db('idempotency_keys')
          .where({ scope: k.scope, key: k.key, state: 'running' })
          .andWhere('locked_until', '<', now)
          .update({ locked_until: new Date(now.getTime() + LOCK_MS) });
        mine = took === 1;
      }
      if (!mine) {
        if (clock.now().getTime() > deadline) throw conflict('idempotency_in_progress', 'the first request with this key is still running; retry shortly', { retryAfterSeconds: 1 });
        await new Promise((r) => setTimeout(r, 25));
        continue;
      }
    }
    try {
      const { storedInTransaction, ...res } = await fn(k);
      // an operation that completed the key in its own transaction needs no second write
      if (!storedInTransaction) {
        await db('idempotency_keys')
          .where({ scope: k.scope, key: k.key, state: 'running' })
          .update({ state: 'done', status_code: res.status, response: JSON.stringify(res.body), locked_until: null });
      }
      return { ...res, replayed: false };
    } catch (e) {
      if (e instanceof DomainError && e.kind !== 'unavailable') {
        const res = toProblem(e);
        await db('idempotency_keys')
          .where({ scope: k.scope, key: k.key, state: 'running' })
          .update({ state: 'done', status_code: res.status, response: JSON.stringify(res.body), locked_until: null });
        return { ...res, replayed: false };
      }
      await db('idempotency_keys').where({ scope: k.scope, key: k.key, state: 'running' }).delete();
      throw e;
    }
  }
}
