import type { Knex } from 'knex';

/**
 * Refund and reschedule policies per product (issue 18): the product's declared terms
 * (policy, visiting route, group price tiers), the fees each ticket has had kept from its
 * value, how often an order was rescheduled, and every fee kept, for the books and the
 * daily report.
 */
export const name = '0052-product-policies';

export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('products', (t) => {
    t.jsonb('policy'); // null: the default policy (core/policies/model.ts defaultPolicy)
    t.text('visit_route');
    t.jsonb('group_tiers');
  });
  await db.schema.alterTable('tickets', (t) => {
    t.integer('fee_retained').notNullable().defaultTo(0);
  });
  await db.schema.alterTable('orders', (t) => {
    t.integer('reschedules').notNullable().defaultTo(0);
  });
  await db.schema.createTable('policy_fees', (t) => {
    t.uuid('id').primary();
    t.uuid('order_id').notNullable().references('orders.id');
    t.text('area_id').notNullable();
    t.text('kind').notNullable(); // refund | reschedule
    t.integer('amount').notNullable();
    t.specificType('ticket_ids', 'uuid[]').notNullable();
    t.uuid('refund_id');
    t.text('actor').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.index(['area_id', 'created_at']);
    t.index(['order_id']);
  });
  await db.raw(
    `alter table policy_fees add constraint policy_fees_kind check (kind in ('refund', 'reschedule'))`,
  );
  await db.raw(`alter table policy_fees add constraint policy_fees_amount check (amount > 0)`);
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('policy_fees');
  await db.schema.alterTable('orders', (t) => t.dropColumn('reschedules'));
  await db.schema.alterTable('tickets', (t) => t.dropColumn('fee_retained'));
  await db.schema.alterTable('products', (t) => {
    t.dropColumn('policy');
    t.dropColumn('visit_route');
    t.dropColumn('group_tiers');
  });
}
