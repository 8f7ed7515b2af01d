import { commitOrThrow } from './db/commit.js';
import { sendPrepared } from './db/prepared.js';
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
   * The lease of the run that holds the key (its `locked_until`), set by runIdempotent and
   * by `claim`/`claimAlone`.
   * A run that outlived its lease and was taken over by a retry no longer owns the key:
   * completing it then fails, and its transaction rolls back, so one key makes one order.
   */
  lease?: Date;
  /**
   * Set by runIdempotentInTransaction: opens the transaction that claims the key (not
   * committed yet). The operation writes its effect and completes the key in it, then
   * commits it, so key, effect and answer cost one commit.
   */
  claim?: () => Promise<Knex.Transaction>;
  /**
   * Set by runIdempotentInTransaction, for an operation whose effect and answer go as ONE
   * statement that commits by itself (core/db/one-statement.ts, guarded by
   * `answerWrite`): claims the key on its own, committed under a lease (the `lease` it
   * sets), so the order costs two round trips — this claim and that statement — instead
   * of BEGIN, claim, effect and COMMIT. A run whose process dies leaves its key to be
   * taken over when its short lease (ALONE_LEASE_MS) lapses.
   */
  claimAlone?: () => Promise<void>;
}

export interface StoredResponse<T = unknown> {
  status: number;
  body: T;
}

const LOCK_MS = 30_000;
const WAIT_MS = 10_000;
/**
 * The lease of a key claimed alone. Short, since taking it over is safe at any moment: the
 * run's statement is guarded by it and writes nothing once it lapsed (a retry after a
 * crash or failover waits seconds, not the 30 s a run's transaction-less work may need).
 */
const ALONE_LEASE_MS = 5_000;

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

/** The operation an idempotent runner runs at most once per key. */
export type IdempotentOperation<T> = (
  k: IdempotencyKey,
) => Promise<StoredResponse<T> & { storedInTransaction?: boolean }>;

/** A runner's answer: the operation's own, or the stored one of an earlier run (`replayed`). */
export type IdempotentAnswer = StoredResponse & { replayed: boolean };

/**
 * The two runners take the same arguments and keep the same contract, so a route picks
 * either (api/idempotent.ts): `runIdempotent`, or `runIdempotentInTransaction` when its
 * operation claims the key in its own transaction.
 */
export type IdempotentRunner = <T>(
  db: Knex,
  clock: Clock,
  k: IdempotencyKey,
  fn: IdempotentOperation<T>,
  toProblem: (e: DomainError) => StoredResponse,
) => Promise<IdempotentAnswer>;

/**
 * A duplicate found the key's first run still in flight (both runners): it waits a
 * moment before it looks again, and past the runner's `deadline` (WAIT_MS after it
 * started) gives up with 409, so a client is never kept waiting on a run without bound.
 */
async function waitForFirstRun(clock: Clock, deadline: number): Promise<void> {
  if (clock.now().getTime() > deadline)
    throw conflict(
      'idempotency_in_progress',
      'the first request with this key is still running; retry shortly',
      { retryAfterSeconds: 1 },
    );
  await new Promise((r) => setTimeout(r, 25));
}

/** Where the run holding `k` may write its key: still running, still under its lease. */
const owned = (db: Knex, k: IdempotencyKey) =>
  db('idempotency_keys')
    .where({ scope: k.scope, key: k.key, state: 'running' })
    .modify((q) => void (k.lease ? q.where('locked_until', k.lease) : q));

/** The key's row once it holds the run's answer. */
const answered = (res: StoredResponse) => ({
  state: 'done',
  status_code: res.status,
  response: JSON.stringify(res.body),
  locked_until: null,
});

/** Stores the answer of the run holding `k`; how many rows it wrote (0: no longer ours). */
const storeAnswer = (db: Knex, k: IdempotencyKey, res: StoredResponse): Promise<number> =>
  owned(db, k).update(answered(res));

/**
 * The write that stores the answer of the run holding `k`, for an operation that sends it
 * in one statement with its effect (core/db/one-statement.ts). It returns the key's row
 * while the run owns the key and no row once it does not: sent with `KEY_GUARD` as the
 * statement's guard, the statement then writes nothing, and the operation throws
 * `keyLost()`.
 */
export const answerWrite = (db: Knex, k: IdempotencyKey, res: StoredResponse): Knex.QueryBuilder =>
  owned(db, k).update(answered(res)).returning('key');

/** The guard (core/db/one-statement.ts) of a statement ending with `answerWrite`. */
export const KEY_GUARD = 'idempotency_key_lost';

/**
 * Takes the key from a run whose one statement (claimed alone) ended without an answer —
 * its connection lost, say — while the key is still the run's: the statement, if it is
 * still running, can then no longer pass its guard. Afterwards whether the effect is in
 * the books can be read; false when the key was no longer the run's (answered, so the
 * statement committed, or taken over, so it cannot).
 */
export const fenceKey = async (db: Knex, k: IdempotencyKey): Promise<boolean> =>
  (await owned(db, k).delete()) === 1;

/** A run's answer could not be stored: its lease lapsed and a retry took the key over. */
export const keyLost = (): DomainError =>
  new DomainError(
    'unavailable',
    'idempotency_key_lost',
    'this request took too long and a retry with the same Idempotency-Key took over; its answer counts',
  );

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
  if ((await storeAnswer(trx, k, res)) !== 1) throw keyLost();
}

/**
 * Runs `fn` at most once per key. `fn` receives the key so it can complete it in its
 * transaction (and then says so with `storedInTransaction`); otherwise the response is
 * stored here.
 * Domain errors (4xx) are stored and replayed too; anything else frees the key so a
 * retry can run.
 */
export const runIdempotent: IdempotentRunner = async (db, clock, k, fn, toProblem) => {
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
        await waitForFirstRun(clock, deadline);
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
};

/**
 * Advisory-lock class of keys claimed inside a transaction: a second claimant of a key
 * whose claim is not committed yet gets `false` at once instead of waiting on the unique
 * index for the first one's whole transaction (two-int locks: apart from the one-int
 * ones of core/orders/waitlist.ts).
 */
const CLAIM_LOCK_CLASS = 19;

/** Thrown by `claim` when the key is someone else's: the runner then looks at what they did. */
const KEY_TAKEN = new Error('idempotency key taken');

/**
 * Inserts the key unless it exists or is being claimed in a transaction still open
 * elsewhere (then it writes nothing and waits for nothing); whether it did.
 */
async function tryClaim(
  db: Knex,
  k: IdempotencyKey,
  row: { state: 'running'; lease: Date } | { state: 'done'; res: StoredResponse },
): Promise<boolean> {
  // prepared once per connection: one per POST
  const rows = await sendPrepared(
    db,
    'scenic_claim_idempotency_key',
    `insert into idempotency_keys (scope, key, request_hash, state, locked_until, status_code, response)
     select ?, ?, ?, ?, ?::timestamptz, ?::int, ?::jsonb
      where pg_try_advisory_xact_lock(?, hashtext(? || chr(10) || ?))
     on conflict (scope, key) do nothing
     returning key`,
    [
      k.scope,
      k.key,
      k.requestHash,
      row.state,
      row.state === 'running' ? row.lease : null,
      row.state === 'done' ? row.res.status : null,
      row.state === 'done' ? JSON.stringify(row.res.body) : null,
      CLAIM_LOCK_CLASS,
      k.scope,
      k.key,
    ],
  );
  return rows.length === 1;
}

/**
 * `runIdempotent` with the key claimed inside the operation's own transaction (issue 19:
 * one commit per order instead of two), with the same contract: one run per key, its
 * answer stored with its effect and replayed to every retry with the same request, the
 * same key with another body refused (422), domain errors stored and replayed, anything
 * else frees the key, and a duplicate that finds the key in flight waits for it up to
 * 10 s, then 409 `idempotency_in_progress`.
 *
 * `fn` receives the key with `claim`: it does its read-only checks first, then calls
 * `claim()` (`BEGIN; INSERT` of the key, guarded by a transaction-scoped advisory
 * try-lock), does its effect and completes the key (`completeInTransaction`) in the
 * transaction it got, and commits it itself, so that it alone knows whether its commit
 * happened. While that transaction is open nobody else can see or claim the key; a run
 * whose process dies frees its key with its connection, at once (no lease to wait out).
 * A domain error thrown with the transaction still open (before any write, or with the
 * writes undone to a savepoint) is stored in that transaction and committed; one thrown
 * before the claim is stored unless someone else has the key by then (their answer
 * counts). A key found committed by runIdempotent is left to runIdempotent, whose `fn`
 * then runs without `claim` and opens a transaction of its own.
 *
 * An operation whose effect is one statement calls `claimAlone()` instead: the key is
 * claimed committed, under a lease, and the statement stores the answer with the effect
 * while the lease is the run's (`answerWrite`). A domain error is then stored under the
 * lease, anything else frees the key (runIdempotent's contract, whose takeover of a lapsed
 * lease covers a run that died).
 */
export const runIdempotentInTransaction: IdempotentRunner = async (db, clock, k, fn, toProblem) => {
  const deadline = clock.now().getTime() + WAIT_MS;
  for (;;) {
    let trx: Knex.Transaction | undefined;
    const held: IdempotencyKey = { ...k };
    let alone = false;
    held.claim = async () => {
      if (trx || alone) throw new Error('an idempotency key is claimed once');
      const lease = new Date(clock.now().getTime() + LOCK_MS);
      const t = await db.transaction();
      let mine: boolean;
      try {
        mine = await tryClaim(t, k, { state: 'running', lease });
      } catch (e) {
        await t.rollback();
        throw e;
      }
      if (!mine) {
        await t.rollback();
        throw KEY_TAKEN;
      }
      trx = t;
      held.lease = lease;
      return t;
    };
    held.claimAlone = async () => {
      if (trx || alone) throw new Error('an idempotency key is claimed once');
      const lease = new Date(clock.now().getTime() + ALONE_LEASE_MS);
      if (!(await tryClaim(db, k, { state: 'running', lease }))) throw KEY_TAKEN;
      alone = true;
      held.lease = lease;
    };
    const open = () => trx !== undefined && !trx.isCompleted();
    try {
      const { storedInTransaction, ...res } = await fn(held);
      if (!(trx || alone) || open())
        throw new Error('an operation run with claim() or claimAlone() must claim its key and commit');
      // an operation that claimed alone and did not store its answer with its effect
      if (alone && !storedInTransaction) await storeAnswer(db, held, res);
      return { ...res, replayed: false };
    } catch (e) {
      if (alone) {
        // the key is committed under our lease: runIdempotent's way out
        if (isDomainError(e) && e.kind !== 'unavailable') {
          const res = toProblem(e);
          if (await storeAnswer(db, held, res)) return { ...res, replayed: false };
          // no longer ours (taken over, or already answered): their answer counts
          return runIdempotent(db, clock, k, fn, toProblem);
        }
        // frees the key for a retry; the original failure is what the caller hears
        await owned(db, held)
          .delete()
          .catch(() => undefined);
        throw e;
      }
      if (e !== KEY_TAKEN) {
        if (!isDomainError(e) || e.kind === 'unavailable') {
          if (open()) await trx!.rollback();
          throw e;
        }
        const res = toProblem(e);
        if (open()) {
          await storeAnswer(trx!, held, res);
          await commitOrThrow(trx!);
          return { ...res, replayed: false };
        }
        if (await tryClaim(db, k, { state: 'done', res })) return { ...res, replayed: false };
      }
    }
    // the key is someone else's: committed (done, or running under runIdempotent), or in flight
    const row = await db('idempotency_keys').where({ scope: k.scope, key: k.key }).first();
    if (row) return runIdempotent(db, clock, k, fn, toProblem);
    await waitForFirstRun(clock, deadline);
  }
};

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
