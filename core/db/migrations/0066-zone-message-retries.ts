import type { Knex } from 'knex';

/**
 * Signage deliveries are retried with backoff (issue 21): a failed message keeps when
 * it is tried next (`next_attempt_at`; null once sent, given up or superseded by a newer
 * message to the same endpoint about the same zone).
 */
export const name = '0066-zone-message-retries';

export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('zone_messages', (t) => {
    t.timestamp('next_attempt_at', { useTz: true });
    t.index(['next_attempt_at'], 'zone_messages_retry_idx', {
      predicate: db.whereNotNull('next_attempt_at'),
    });
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('zone_messages', (t) => {
    t.dropIndex(['next_attempt_at'], 'zone_messages_retry_idx');
    t.dropColumn('next_attempt_at');
  });
}
