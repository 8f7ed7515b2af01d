import { describe, expect, it } from 'vitest';
import type { Knex } from 'knex';
import { usePostgres } from '../support/postgres.js';
import { ManualClock } from '../../core/clock.js';
import {
  completeInTransaction,
  requestHash,
  runIdempotent,
  runIdempotentInTransaction,
  type IdempotencyKey,
} from '../../core/idempotency.js';
import { conflict, type DomainError } from '../../core/errors.js';

/**
 * Issue 19: the key claimed in the operation's own transaction (one commit per order)
 * keeps runIdempotent's contract — one run per key, its answer replayed, another body
 * refused, domain errors stored and replayed, anything else frees the key, a duplicate in
 * flight waits then gets 409 — and frees the key of a run that dies at once.
 */
describe('19 idempotency keys claimed in the operation transaction (real Postgres)', () => {
  const pg = usePostgres();
  const clock = new ManualClock('2026-07-01T08:00:00Z');
  const toProblem = (e: DomainError) => ({ status: 409, body: { code: e.code } });
  let n = 0;
  const key = (body: unknown = { n }): IdempotencyKey => ({
    scope: 'test',
    key: `in-trx-${++n}`,
    requestHash: requestHash('POST', '/x', body),
  });
  const effects = async (who: string) =>
    (await pg.db('audit_log').where({ action: 'test.effect', subject: who })).length;

  /** Like placeOrder: checks, claims, writes its effect, completes the key, commits. */
  const operation =
    (who: string, o: { wait?: Promise<void>; fail?: 'before' | 'after-write' | 'crash' } = {}) =>
    async (held: IdempotencyKey) => {
      if (o.fail === 'before') throw conflict('day_sold_out', 'refused before any write');
      const write = async (trx: Knex.Transaction) => {
        await trx('audit_log').insert({ actor: 'test', action: 'test.effect', subject: who });
        if (o.fail === 'after-write') throw conflict('hold_expired', 'refused after writing');
        if (o.fail === 'crash') throw new Error('connection lost');
        await completeInTransaction(trx, held, { status: 201, body: { who } });
      };
      if (!held.claim) {
        await pg.db.transaction(write);
        return { status: 201, body: { who }, storedInTransaction: true };
      }
      const trx = await held.claim();
      await o.wait;
      try {
        // the writes that can be refused go in a savepoint, as placeOrder's do
        await trx.transaction(write);
      } catch (e) {
        if (o.fail === 'crash') await trx.rollback();
        throw e;
      }
      await trx.commit();
      return { status: 201, body: { who }, storedInTransaction: true };
    };
  const run = (k: IdempotencyKey, f: ReturnType<typeof operation>) =>
    runIdempotentInTransaction(pg.db, clock, k, f, toProblem);

  it('runs concurrent duplicates once, every one answered alike', async () => {
    const k = key();
    const runs = await Promise.all(Array.from({ length: 10 }, (_, i) => run(k, operation(`dup-${n}-${i}`))));
    expect(new Set(runs.map((r) => JSON.stringify(r.body))).size).toBe(1);
    expect(runs.filter((r) => !r.replayed)).toHaveLength(1);
    let made = 0;
    for (let i = 0; i < 10; i++) made += await effects(`dup-${n}-${i}`);
    expect(made).toBe(1);
    expect(await pg.db('idempotency_keys').where({ scope: 'test', key: k.key })).toMatchObject([
      { state: 'done', status_code: 201 },
    ]);
  });

  it('replays the answer, and refuses the key with another body (422)', async () => {
    const k = key({ a: 1 });
    expect(await run(k, operation('once'))).toMatchObject({ status: 201, replayed: false });
    expect(await run(k, operation('twice'))).toMatchObject({ body: { who: 'once' }, replayed: true });
    expect(await effects('twice')).toBe(0);
    await expect(
      run({ ...k, requestHash: requestHash('POST', '/x', { a: 2 }) }, operation('x')),
    ).rejects.toMatchObject({ code: 'idempotency_key_reused' });
  });

  it('stores and replays a domain error thrown before the claim, and one thrown after writing (undone)', async () => {
    const before = key();
    expect(await run(before, operation('b1', { fail: 'before' }))).toMatchObject({
      status: 409,
      body: { code: 'day_sold_out' },
      replayed: false,
    });
    expect(await run(before, operation('b2'))).toMatchObject({
      body: { code: 'day_sold_out' },
      replayed: true,
    });
    expect(await effects('b2')).toBe(0);

    const after = key();
    expect(await run(after, operation('a1', { fail: 'after-write' }))).toMatchObject({
      status: 409,
      body: { code: 'hold_expired' },
    });
    expect(await effects('a1')).toBe(0);
    expect(await run(after, operation('a2'))).toMatchObject({
      body: { code: 'hold_expired' },
      replayed: true,
    });
    expect(await effects('a2')).toBe(0);
  });

  it('frees the key of a run that failed otherwise, at once: the retry runs', async () => {
    const k = key();
    await expect(run(k, operation('c1', { fail: 'crash' }))).rejects.toThrow('connection lost');
    expect(await pg.db('idempotency_keys').where({ scope: 'test', key: k.key })).toHaveLength(0);
    expect(await run(k, operation('c2'))).toMatchObject({ body: { who: 'c2' }, replayed: false });
    expect([await effects('c1'), await effects('c2')]).toEqual([0, 1]);
  });

  it('makes a duplicate wait for a run in flight, then answers 409 idempotency_in_progress after 10 s', async () => {
    const k = key();
    let release!: () => void;
    const stalled = new Promise<void>((r) => (release = r));
    const first = run(k, operation('slow', { wait: stalled }));
    await new Promise((r) => setTimeout(r, 200)); // the first holds the key in its open transaction
    const waiting = run(k, operation('dup'));
    await new Promise((r) => setTimeout(r, 100));
    clock.advance(11_000);
    await expect(waiting).rejects.toMatchObject({ code: 'idempotency_in_progress' });
    release();
    expect(await first).toMatchObject({ body: { who: 'slow' }, replayed: false });
    expect(await run(k, operation('later'))).toMatchObject({ body: { who: 'slow' }, replayed: true });
    expect([await effects('dup'), await effects('later')]).toEqual([0, 0]);
  });

  it('replays a key runIdempotent committed', async () => {
    const k = key();
    await runIdempotent(pg.db, clock, k, operation('classic'), toProblem);
    expect(await run(k, operation('new'))).toMatchObject({ body: { who: 'classic' }, replayed: true });
    expect(await effects('new')).toBe(0);
  });
});
