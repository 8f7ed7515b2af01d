import type { Knex } from 'knex';

/**
 * Second spend (issue 22): the shops, restaurants and car parks of an area that post their
 * sales (core/spend). A merchant belongs to one area and signs its requests with one key
 * (the partner scheme, core/channels/signature.ts); the secret is sealed. A sale names a
 * ticket (and so its order), a member, or both; refunds and voids are rows of their own,
 * so the books of a sale are never rewritten.
 */
export const name = '0084-second-spend';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('merchants', (t) => {
    t.text('id').primary();
    t.text('area_id').notNullable().references('areas.id');
    t.text('name').notNullable();
    t.text('category').notNullable(); // shop | restaurant | parking: its default, a sale may say otherwise
    t.text('key_id').notNullable().unique();
    t.text('secret_enc').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('key_issued_at', { useTz: true }).notNullable();
    t.timestamp('retired_at', { useTz: true });
    t.index(['area_id']);
  });
  await db.schema.createTable('spend_sales', (t) => {
    t.uuid('id').primary();
    t.text('merchant_id').notNullable().references('merchants.id');
    t.text('area_id').notNullable();
    // the merchant's own id: the idempotency key of the post
    t.text('merchant_sale_id').notNullable();
    t.text('request_hash').notNullable();
    t.text('category').notNullable();
    t.integer('amount').notNullable();
    t.integer('amount_refunded').notNullable().defaultTo(0);
    t.text('status').notNullable(); // recorded | voided
    t.timestamp('sold_at', { useTz: true }).notNullable();
    t.date('local_date').notNullable();
    t.uuid('ticket_id').references('tickets.id');
    t.uuid('order_id').references('orders.id');
    t.text('account_id').references('member_accounts.id');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.unique(['merchant_id', 'merchant_sale_id']);
    t.index(['area_id', 'local_date']);
    t.index(['order_id']);
    t.index(['account_id']);
  });
  await db.schema.createTable('spend_refunds', (t) => {
    t.uuid('id').primary();
    t.uuid('sale_id').notNullable().references('spend_sales.id');
    t.text('merchant_id').notNullable();
    t.text('merchant_refund_id').notNullable();
    t.text('request_hash').notNullable();
    t.integer('amount').notNullable();
    t.boolean('void').notNullable();
    t.timestamp('at', { useTz: true }).notNullable();
    t.unique(['merchant_id', 'merchant_refund_id']);
    t.index(['sale_id']);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('spend_refunds');
  await db.schema.dropTable('spend_sales');
  await db.schema.dropTable('merchants');
}
