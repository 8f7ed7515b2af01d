import type { Knex } from 'knex';

/**
 * An outbox event whose handler fails (an SMS provider refusing a number, Redis down for
 * a capacity release) is retried on its own with backoff instead of holding back every
 * event behind it, and set aside after its last attempt (`failed_at`, with the error).
 */
export const name = '0009-outbox-retries';

export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('outbox', (t) => {
    t.integer('attempts').notNullable().defaultTo(0);
    t.timestamp('next_attempt_at', { useTz: true });
    t.text('last_error');
    t.timestamp('failed_at', { useTz: true });
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('outbox', (t) => {
    t.dropColumn('attempts');
    t.dropColumn('next_attempt_at');
    t.dropColumn('last_error');
    t.dropColumn('failed_at');
  });
}
