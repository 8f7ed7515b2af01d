import type { Knex } from 'knex';

/**
 * The crowd forecast per area, day and slot (issue 22), as the forecast worker last
 * computed it: the visitors expected, the factors that explain the number, and the
 * backtest error of the model that made it.
 */
export const name = '0065-crowd-forecasts';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('crowd_forecasts', (t) => {
    t.text('area_id').notNullable();
    t.date('visit_date').notNullable();
    t.text('slot_id').notNullable();
    t.integer('visitors').notNullable();
    t.integer('capacity').notNullable();
    t.jsonb('factors').notNullable();
    t.jsonb('error').notNullable();
    t.timestamp('computed_at', { useTz: true }).notNullable();
    t.primary(['area_id', 'visit_date', 'slot_id']);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('crowd_forecasts');
}
