import { describe, expect, it } from 'vitest';
import { usePostgres } from '../support/postgres.js';
import { ManualClock } from '../../core/clock.js';
import {
  completeInTransaction,
  requestHash,
  runIdempotent,
  type IdempotencyKey,
} from '../../core/idempotency.js';
import type { DomainError } from '../../core/errors.js';

/** One key, one result: also when the first run outlives its lease and a retry takes over. */
describe('idempotency keys on real Postgres', () => {
  const pg = usePostgres();
  const clock = new ManualClock('2026-07-01T08:00:00Z');
  const toProblem = (e: DomainError) => ({ status: 409, body: { code: e.code } });
  /** An operation like placeOrder: writes its effect and completes the key in one transaction. */
  const operation = (who: string, wait?: Promise<void>) => async (held: IdempotencyKey) => {
    await wait;
    return pg.db.transaction(async (trx) => {
      await trx('audit_log').insert({ actor: 'test', action: 'test.effect', subject: who });
      await completeInTransaction(trx, held, { status: 201, body: { who } });
      return { status: 201, body: { who }, storedInTransaction: true };
    });
  };
  const effects = async (who: string) =>
    (await pg.db('audit_log').where({ action: 'test.effect', subject: who })).length;

  it('lets a retry take over a run whose lease lapsed, and rolls the late run back', async () => {
    const k: IdempotencyKey = {
      scope: 'test',
      key: 'slow-order-1',
      requestHash: requestHash('POST', '/x', { a: 1 }),
    };
    let release!: () => void;
    const stalled = new Promise<void>((r) => (release = r));
    const first = runIdempotent(pg.db, clock, k, operation('first', stalled), toProblem);
    await new Promise((r) => setTimeout(r, 200)); // the first run holds the key and stalls
    clock.advance(31_000); // past its 30 s lease: as if that process hung

    const second = await runIdempotent(pg.db, clock, k, operation('second'), toProblem);
    expect(second).toMatchObject({ status: 201, body: { who: 'second' }, replayed: false });
    release();
    await expect(first).rejects.toMatchObject({ code: 'idempotency_key_lost' });
    expect([await effects('first'), await effects('second')]).toEqual([0, 1]);

    const third = await runIdempotent(pg.db, clock, k, operation('third'), toProblem);
    expect(third).toMatchObject({ body: { who: 'second' }, replayed: true });
    expect(await effects('third')).toBe(0);
  });

  it('runs concurrent duplicates once', async () => {
    const k: IdempotencyKey = {
      scope: 'test',
      key: 'dup-order-1',
      requestHash: requestHash('POST', '/x', { a: 2 }),
    };
    const runs = await Promise.all(
      Array.from({ length: 10 }, (_, i) => runIdempotent(pg.db, clock, k, operation(`dup-${i}`), toProblem)),
    );
    expect(new Set(runs.map((r) => JSON.stringify(r.body))).size).toBe(1);
    expect(runs.filter((r) => !r.replayed)).toHaveLength(1);
    let n = 0;
    for (let i = 0; i < 10; i++) n += await effects(`dup-${i}`);
    expect(n).toBe(1);
  });
});
