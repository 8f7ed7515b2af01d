import type { Knex } from 'knex';

/**
 * A refund of a whole payment (paid after the stock was gone, or paid twice) names the
 * payment it returns. The row is written in the same transaction that finds the refund
 * due, so a crash before the gateway call leaves a pending refund for the retry job
 * rather than nothing at all.
 */
export const name = '0008-refund-payment';

export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('refunds', (t) => {
    t.uuid('payment_id').references('payments.id');
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('refunds', (t) => {
    t.dropColumn('payment_id');
  });
}
