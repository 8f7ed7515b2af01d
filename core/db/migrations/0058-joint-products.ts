import type { Knex } from 'knex';

/**
 * Joint tickets and packages (issue 18): suppliers are parties of a sale with their own
 * share (a hotel, a partner restaurant); a joint product is sold once and valid at one
 * or more areas, each with its own daily capacity, and splits its money between those
 * areas and its suppliers. Its tickets are ordinary ticket rows, one per area, so gates,
 * the ledger and reports count them per area; `products` gets an inactive row per area
 * (the gates look products up) that no area sells on its own.
 */
export const name = '0058-joint-products';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('suppliers', (t) => {
    t.text('id').primary();
    t.text('name').notNullable();
    t.text('kind').notNullable(); // hotel | restaurant | transport | other
    t.boolean('active').notNullable().defaultTo(true);
    t.timestamp('updated_at', { useTz: true }).notNullable();
  });
  await db.schema.createTable('joint_products', (t) => {
    t.text('id').primary();
    t.text('name').notNullable();
    t.bigInteger('price').notNullable(); // fen, per visitor
    t.text('currency').notNullable().defaultTo('CNY');
    // [{ areaId, slotId, shareBps }] in reservation order (by areaId)
    t.jsonb('areas').notNullable();
    // [{ supplierId, item, shareBps }]
    t.jsonb('suppliers').notNullable();
    t.boolean('active').notNullable().defaultTo(true);
    t.timestamp('updated_at', { useTz: true }).notNullable();
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('joint_products');
  await db.schema.dropTable('suppliers');
}
