import { describe, expect, it } from 'vitest';
import { usePostgres } from '../support/postgres.js';
import { ManualClock } from '../../core/clock.js';
import {
  answerWrite,
  fenceKey,
  KEY_GUARD,
  keyLost,
  requestHash,
  runIdempotentInTransaction,
  type IdempotencyKey,
} from '../../core/idempotency.js';
import { withWrites } from '../../core/db/one-statement.js';
import { isGuardRefusal } from '../../core/db/errors.js';
import { conflict, type DomainError } from '../../core/errors.js';

/**
 * Issue 19: an operation whose effect and answer are ONE statement that commits by itself
 * claims its key alone (`claimAlone`: committed, under a lease), as a plain order does —
 * two round trips, no BEGIN or COMMIT. The contract stays runIdempotent's: one run per
 * key, answers replayed, domain errors stored, anything else frees the key; and since the
 * statement is guarded by the lease (`KEY_GUARD`), a run whose lease was taken over by a
 * retry writes nothing at all, so one key still makes one effect.
 */
describe('19 idempotency keys claimed alone for a one-statement effect (real Postgres)', () => {
  const pg = usePostgres();
  const clock = new ManualClock('2026-07-01T08:00:00Z');
  const toProblem = (e: DomainError) => ({ status: 409, body: { code: e.code } });
  let n = 0;
  const key = (body: unknown = { n }): IdempotencyKey => ({
    scope: 'test',
    key: `alone-${++n}`,
    requestHash: requestHash('POST', '/x', body),
  });
  const effects = async (who: string) =>
    (await pg.db('audit_log').where({ action: 'test.effect', subject: who })).length;
  const keyRow = (k: IdempotencyKey) =>
    pg.db('idempotency_keys').where({ scope: 'test', key: k.key }).first();

  /** Like a plain order: checks, claims alone, then effect and answer in one guarded statement. */
  const operation =
    (who: string, o: { wait?: Promise<void>; fail?: 'before' | 'after-claim' | 'crash' } = {}) =>
    async (held: IdempotencyKey) => {
      if (o.fail === 'before') throw conflict('day_sold_out', 'refused before the claim');
      // a run that took a lapsed key over already holds its lease (runIdempotent)
      if (held.claimAlone) await held.claimAlone();
      await o.wait;
      if (o.fail === 'after-claim') throw conflict('hold_expired', 'refused after the claim');
      if (o.fail === 'crash') throw new Error('connection lost');
      const effect = pg.db('audit_log').insert({ actor: 'test', action: 'test.effect', subject: who });
      try {
        await withWrites(pg.db, [effect], answerWrite(pg.db, held, { status: 201, body: { who } }), [], {
          guard: KEY_GUARD,
          prepared: true,
        });
      } catch (e) {
        throw isGuardRefusal(e) ? keyLost() : e;
      }
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
    expect(await keyRow(k)).toMatchObject({ state: 'done', status_code: 201 });
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

  it('stores and replays a domain error thrown before the claim and one thrown after it', async () => {
    for (const [fail, code] of [
      ['before', 'day_sold_out'],
      ['after-claim', 'hold_expired'],
    ] as const) {
      const k = key();
      expect(await run(k, operation(`${fail}-1`, { fail }))).toMatchObject({
        status: 409,
        body: { code },
        replayed: false,
      });
      expect(await run(k, operation(`${fail}-2`))).toMatchObject({ body: { code }, replayed: true });
      expect(await effects(`${fail}-2`)).toBe(0);
    }
  });

  it('frees the key of a run that failed otherwise, at once: the retry runs', async () => {
    const k = key();
    await expect(run(k, operation('c1', { fail: 'crash' }))).rejects.toThrow('connection lost');
    expect(await keyRow(k)).toBeUndefined();
    expect(await run(k, operation('c2'))).toMatchObject({ body: { who: 'c2' }, replayed: false });
    expect([await effects('c1'), await effects('c2')]).toEqual([0, 1]);
  });

  it('lets a waiting retry take over once the 5 s lease lapsed, and the stalled run then writes nothing', async () => {
    const k = key();
    let release!: () => void;
    const stalled = new Promise<void>((r) => (release = r));
    const first = run(k, operation('stalled', { wait: stalled }));
    await new Promise((r) => setTimeout(r, 200)); // the first has claimed the key, committed
    expect(await keyRow(k)).toMatchObject({ state: 'running' });
    // within the lease a duplicate waits for the first…
    const retry = run(k, operation('retry'));
    await new Promise((r) => setTimeout(r, 100));
    expect(await effects('retry')).toBe(0);
    // …past it the first counts as dead (a crash, a failover): the retry takes the key and runs
    clock.advance(6_000);
    expect(await retry).toMatchObject({ body: { who: 'retry' }, replayed: false });
    release();
    await expect(first).rejects.toMatchObject({ code: 'idempotency_key_lost' });
    expect([await effects('stalled'), await effects('retry')]).toEqual([0, 1]);
    expect(await keyRow(k)).toMatchObject({ state: 'done', response: { who: 'retry' } });
  });

  it("fences a run whose statement's fate is unknown: once its key is taken, the statement writes nothing", async () => {
    const k = key();
    let fenced: boolean | undefined;
    let release!: () => void;
    const stalled = new Promise<void>((r) => (release = r));
    const first = run(k, async (held) => {
      await held.claimAlone!();
      // as placeOrder does when its statement's connection is lost: take the key first
      fenced = await fenceKey(pg.db, held);
      await stalled;
      return operation('fenced')({ ...held, claimAlone: undefined });
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(fenced).toBe(true);
    expect(await keyRow(k)).toBeUndefined();
    release();
    await expect(first).rejects.toMatchObject({ code: 'idempotency_key_lost' });
    expect(await effects('fenced')).toBe(0);
    // an answered key is not fenced: the statement committed
    const done = key();
    let late: boolean | undefined;
    await run(done, async (held) => {
      const out = await operation('answered')(held);
      late = await fenceKey(pg.db, held);
      return out;
    });
    expect(late).toBe(false);
    expect(await effects('answered')).toBe(1);
  });
});
