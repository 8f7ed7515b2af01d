import { afterAll, beforeAll } from 'vitest';
import { createDb, type Knex } from '../../core/db/knex.js';
import { migrateLatest } from '../../core/db/migrate.js';
import { postgresUrl, uniqueSuffix } from './services.js';

export interface TestDb {
  db: Knex;
  url: string;
  schema: string;
}

/**
 * A migrated Postgres schema of this test file's own, dropped after the file.
 * Call at the top level of a test file; read `.db` inside tests.
 */
export function usePostgres(opts: { migrate?: boolean; poolMax?: number } = {}): TestDb {
  const ctx = {} as TestDb;
  beforeAll(async () => {
    ctx.url = await postgresUrl();
    ctx.schema = `t_${uniqueSuffix()}`;
    ctx.db = createDb({ url: ctx.url, schema: ctx.schema, poolMax: opts.poolMax ?? 10 });
    if (opts.migrate === false) await ctx.db.raw('create schema ??', [ctx.schema]);
    else await migrateLatest(ctx.db, ctx.schema);
  });
  afterAll(async () => {
    if (!ctx.db) return;
    await ctx.db.raw('drop schema if exists ?? cascade', [ctx.schema]);
    await ctx.db.destroy();
  });
  return ctx;
}
