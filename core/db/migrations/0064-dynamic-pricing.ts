import type { Knex } from 'knex';

/**
 * Crowd-forecast pricing (issue 22): a product's dynamic-pricing bounds (null = off, the
 * default) and the price factor of each area, day and slot, set by the forecast worker or
 * pinned by a manager. A hold copies the price it was quoted into the order, so a later
 * factor never changes what an order pays.
 */
export const name = '0064-dynamic-pricing';

export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('products', (t) => {
    t.jsonb('dynamic_pricing');
  });
  await db.schema.createTable('price_factors', (t) => {
    t.text('area_id').notNullable();
    t.date('visit_date').notNullable();
    t.text('slot_id').notNullable();
    t.integer('factor_bps').notNullable();
    t.text('source').notNullable(); // forecast | manager
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.primary(['area_id', 'visit_date', 'slot_id']);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('price_factors');
  await db.schema.alterTable('products', (t) => {
    t.dropColumn('dynamic_pricing');
  });
}
