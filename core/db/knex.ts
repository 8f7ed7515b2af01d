import knexFactory from 'knex';
import type { Knex } from 'knex';
import pg from 'pg';

export type { Knex };

// BIGINT counts and money come back as strings by default; our amounts are integer
// minor units well inside 2^53, so parse them as numbers once, here.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
// Visit dates are calendar dates in the area's zone, not instants: keep them as text.
pg.types.setTypeParser(pg.types.builtins.DATE, (v) => v);

export interface DbOptions {
  url: string;
  /** Postgres schema holding our tables; tests use one per file. */
  schema?: string;
  poolMax?: number;
}

export function createDb({ url, schema = 'public', poolMax = 20 }: DbOptions): Knex {
  return knexFactory({
    client: 'pg',
    connection: url,
    searchPath: [schema],
    pool: { min: 0, max: poolMax },
    acquireConnectionTimeout: 10_000,
  });
}

/** Whether Postgres answers (readiness): resolves, or rejects with the driver's error. */
export async function pingDb(db: Knex): Promise<void> {
  await db.raw('select 1');
}
