import type { Knex } from 'knex';

/**
 * Payments made with a real provider (WeChat Pay, Alipay): what Scenic created the
 * payment with (scene, currency, merchant and app ids, the provider's expiry), what the
 * provider says it took (`provider_amount`, `paid_at`, its own status word), and when the
 * worker asks the provider next (`next_query_at`, so a lost notification cannot lose a
 * sale). The row is written before the provider is called, so every notice binds to a
 * payment Scenic created; `out_trade_no` is the row's id without dashes.
 */
export const name = '0011-provider-payments';

export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('payments', (t) => {
    t.text('currency').notNullable().defaultTo('CNY');
    t.text('scene');
    t.text('merchant_id');
    t.text('app_id');
    t.timestamp('expires_at', { useTz: true });
    t.bigInteger('provider_amount');
    t.text('provider_status');
    t.timestamp('paid_at', { useTz: true });
    t.timestamp('closed_at', { useTz: true });
    t.integer('query_attempts').notNullable().defaultTo(0);
    t.timestamp('next_query_at', { useTz: true });
  });
  await db.raw(`create index payments_pending_due on payments (next_query_at) where status = 'pending'`);
  await db.schema.alterTable('payments', (t) => {
    t.index(['paid_at'], 'payments_paid_at');
  });
}

export async function down(db: Knex): Promise<void> {
  await db.raw('drop index if exists payments_pending_due');
  await db.schema.alterTable('payments', (t) => {
    t.dropIndex(['paid_at'], 'payments_paid_at');
    for (const c of [
      'currency',
      'scene',
      'merchant_id',
      'app_id',
      'expires_at',
      'provider_amount',
      'provider_status',
      'paid_at',
      'closed_at',
      'query_attempts',
      'next_query_at',
    ])
      t.dropColumn(c);
  });
}
