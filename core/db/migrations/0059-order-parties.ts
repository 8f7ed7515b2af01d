import type { Knex } from 'knex';

/**
 * The parties of a sale and their shares of its net (issue 18), fixed when the order is
 * placed so that a statement of any past day comes out the same after the product's
 * shares change: `area:<id>` and `supplier:<id>` (core/settlement). An order without rows
 * (an ordinary ticket) gives its whole net to its own area.
 */
export const name = '0059-order-parties';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('order_parties', (t) => {
    t.uuid('order_id').notNullable().references('orders.id');
    t.text('party').notNullable();
    t.integer('share_bps').notNullable();
    t.integer('position').notNullable();
    t.primary(['order_id', 'party']);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('order_parties');
}
