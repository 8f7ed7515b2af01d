import type { Knex } from 'knex';

/**
 * Days an area does not open (core/catalog/closures.ts): weekly and on given dates. Kept
 * on the area's row, as its thresholds are; every existing area opens every day.
 */
export const name = '0079-area-closures';

export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('areas', (t) => {
    t.jsonb('closures').notNullable().defaultTo(db.raw(`'{"weekdays":[],"dates":[]}'::jsonb`));
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('areas', (t) => t.dropColumn('closures'));
}
