import type { Knex } from 'knex';

/**
 * A refund being sent is held by its sender until `sending_until` (a lease): a notice from
 * the provider makes the refund due again (`next_attempt_at`), but it never lets a second
 * sender ask the provider while the first is still waiting for its answer — two at once
 * could each take a different way out of one WeChat ABNORMAL refund, and one of them would
 * then write `failed` over money that was in fact moved. A sender that dies lets go when
 * the lease runs out.
 */
export const name = '0089-refund-sender-lease';

export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('refunds', (t) => {
    t.timestamp('sending_until', { useTz: true });
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('refunds', (t) => {
    t.dropColumn('sending_until');
  });
}
