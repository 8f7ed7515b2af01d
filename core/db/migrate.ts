import type { Knex } from 'knex';
import { migrations } from './migrations/index.js';

/**
 * Migrations are TypeScript modules listed explicitly in migrations/index.ts, so the
 * same list runs under tsx, vitest and the compiled build without file globbing.
 */
const source: Knex.MigrationSource<(typeof migrations)[number]> = {
  getMigrations: () => Promise.resolve([...migrations]),
  getMigrationName: (m) => m.name,
  getMigration: (m) => Promise.resolve(m),
};

function config(schema: string): Knex.MigratorConfig {
  return { migrationSource: source, schemaName: schema, tableName: 'knex_migrations' };
}

export async function migrateLatest(db: Knex, schema = 'public'): Promise<string[]> {
  await db.raw('create schema if not exists ??', [schema]);
  const [, names] = (await db.migrate.latest(config(schema))) as [number, string[]];
  return names;
}

export async function migrateDown(db: Knex, schema = 'public', all = false): Promise<string[]> {
  const [, names] = (await db.migrate.rollback(config(schema), all)) as [number, string[]];
  return names;
}

export async function migrationStatus(db: Knex, schema = 'public') {
  const [done, pending] = (await db.migrate.list(config(schema))) as [{ name: string }[], { name: string }[]];
  return { done: done.map((d) => d.name), pending: pending.map((p) => p.name) };
}
