import type { Knex } from 'knex';

/** Daily reports per area (core/reports): aggregates only, no personal data. */
export const name = '0005-reports';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('daily_reports', (t) => {
    t.text('area_id').notNullable().references('areas.id');
    t.date('day').notNullable(); // the area's local date
    t.integer('version').notNullable();
    t.jsonb('report').notNullable();
    t.timestamp('generated_at', { useTz: true }).notNullable();
    t.primary(['area_id', 'day']);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTableIfExists('daily_reports');
}
