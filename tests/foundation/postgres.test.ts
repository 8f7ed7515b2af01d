import { describe, expect, it } from 'vitest';
import { usePostgres } from '../support/postgres.js';
import { migrateDown, migrateLatest, migrationStatus } from '../../core/db/migrate.js';
import { migrations } from '../../core/db/migrations/index.js';

describe('postgres harness and migrations', () => {
  const pg = usePostgres({ migrate: false });

  it('runs every migration up, down and up again in an isolated schema', async () => {
    const applied = await migrateLatest(pg.db, pg.schema);
    expect(applied).toEqual(migrations.map((m) => m.name));
    const { rows } = await pg.db.raw<{ rows: { table_name: string }[] }>(
      'select table_name from information_schema.tables where table_schema = ? order by 1',
      [pg.schema],
    );
    expect(rows.map((r) => r.table_name)).toEqual(
      expect.arrayContaining(['areas', 'orders', 'tickets', 'outbox']),
    );

    const rolledBack = await migrateDown(pg.db, pg.schema, true);
    expect(rolledBack.sort()).toEqual(migrations.map((m) => m.name).sort());
    expect(await pg.db.schema.withSchema(pg.schema).hasTable('orders')).toBe(false);

    await migrateLatest(pg.db, pg.schema);
    expect(await migrationStatus(pg.db, pg.schema)).toEqual({
      done: migrations.map((m) => m.name),
      pending: [],
    });
  });

  it('keeps this file in its own schema', async () => {
    const { rows } = await pg.db.raw<{ rows: { s: string }[] }>('select current_schema() as s');
    expect(rows[0]?.s).toBe(pg.schema);
  });
});
