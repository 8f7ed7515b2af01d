import type { Knex } from 'knex';

/**
 * Reconciliation (对账) of each provider-day against the books: one run row per
 * provider and Beijing date (a rerun replaces it and its items, never duplicates), one
 * item per statement line or books entry with its class, and finance's decisions on
 * money taken with no payment in the books — keyed by the provider's trade, apart from
 * the items, so a rerun of the day keeps them.
 */
export const name = '0013-reconciliation';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('reconciliation_runs', (t) => {
    t.text('provider').notNullable();
    t.date('day').notNullable();
    t.text('status').notNullable(); // done | failed
    t.jsonb('totals').notNullable(); // per class: count, amount
    t.jsonb('statement_totals'); // the file's own summary
    t.integer('lines').notNullable().defaultTo(0);
    t.text('error');
    t.timestamp('ran_at', { useTz: true }).notNullable();
    t.primary(['provider', 'day']);
  });
  await db.schema.createTable('reconciliation_items', (t) => {
    t.bigIncrements('id');
    t.text('provider').notNullable();
    t.date('day').notNullable();
    t.text('class').notNullable();
    t.text('kind').notNullable();
    t.text('severity').notNullable();
    t.text('out_trade_no').notNullable();
    t.text('out_refund_no');
    t.text('provider_ref');
    t.bigInteger('provider_amount');
    t.bigInteger('books_amount');
    t.uuid('order_id');
    t.uuid('payment_id');
    t.uuid('refund_id');
    t.foreign(['provider', 'day']).references(['provider', 'day']).inTable('reconciliation_runs');
    t.index(['provider', 'day']);
  });
  await db.schema.createTable('reconciliation_decisions', (t) => {
    t.text('provider').notNullable();
    t.text('out_trade_no').notNullable();
    t.text('decision').notNullable(); // refund | issue
    t.text('note');
    t.text('reference');
    t.text('decided_by').notNullable();
    t.timestamp('decided_at', { useTz: true }).notNullable();
    t.primary(['provider', 'out_trade_no']);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTableIfExists('reconciliation_decisions');
  await db.schema.dropTableIfExists('reconciliation_items');
  await db.schema.dropTableIfExists('reconciliation_runs');
}
