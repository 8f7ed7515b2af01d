import type { Knex } from 'knex';

/**
 * Combos redeemed piece by piece (issue 18): a combo product's components (a sightseeing
 * bus departure, a show seat, a meal) are resources of their own, each with a daily
 * schedule of sessions and a capacity per session (core/combos). A booking is one
 * ticket's seat on one component's session; it lives with the ticket (held, sold,
 * refunded) but is redeemed, refunded and settled on its own.
 */
export const name = '0077-combo-components';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('combo_components', (t) => {
    t.text('area_id').notNullable().references('id').inTable('areas').onDelete('CASCADE');
    t.text('id').notNullable();
    t.text('name').notNullable();
    t.text('kind').notNullable(); // bus | show | meal | other
    // the products (of the area) whose every ticket includes one seat per person
    t.jsonb('product_ids').notNullable();
    // the part of the product's price this component stands for (fen, per ticket): what an unused one refunds
    t.bigInteger('value').notNullable();
    // [{ id, startsAt 'HH:MM', capacity }]: the same every day the area is open
    t.jsonb('sessions').notNullable();
    t.boolean('active').notNullable().defaultTo(true);
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.primary(['area_id', 'id']);
  });
  await db.schema.createTable('combo_bookings', (t) => {
    t.uuid('id').primary();
    t.uuid('order_id').notNullable().references('id').inTable('orders').onDelete('CASCADE');
    t.uuid('ticket_id').notNullable();
    t.text('area_id').notNullable();
    t.text('component_id').notNullable();
    t.text('session_id').notNullable();
    t.date('visit_date').notNullable();
    t.integer('units').notNullable();
    t.bigInteger('value').notNullable();
    // active (its ticket's state says whether it can be used) | redeemed | refunded | void
    t.text('status').notNullable();
    t.timestamp('redeemed_at', { useTz: true });
    t.text('redeemed_gate');
    t.uuid('refund_id');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.unique(['ticket_id', 'component_id']);
    t.index(['order_id']);
    t.index(['area_id', 'visit_date']);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('combo_bookings');
  await db.schema.dropTable('combo_components');
}
