import type { Knex } from 'knex';

/**
 * Commits a transaction opened without a handler (`db.transaction()`) and throws when the
 * COMMIT failed. knex's `trx.commit()` resolves even then — the error goes only to
 * `trx.executionPromise` — so awaiting commit() alone answered 201 for an order whose COMMIT
 * died with the primary in a Postgres failover (tests/ha/pg-ha.test.ts caught it: a lost
 * acknowledged order).
 */
export async function commitOrThrow(trx: Knex.Transaction): Promise<void> {
  await trx.commit();
  await trx.executionPromise;
}
