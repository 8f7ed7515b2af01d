import type { Knex } from 'knex';

/**
 * Issue 17 item 14: the idempotency table kept every anonymous order's raw access token
 * in its stored answer, forever. Stored answers now hold no token (a replay derives it
 * again from the caller's secret); this scrubs the ones already stored (their replays
 * answer without `accessToken`: the visitor still has the first answer) and indexes
 * `created_at` for the sweep that forgets old keys. Safe to run twice.
 */
export const name = '0030-idempotency-no-tokens';

export async function up(db: Knex): Promise<void> {
  await db.raw(
    `update ?? set response = response - 'accessToken' where jsonb_typeof(response) = 'object' and response \\? 'accessToken'`,
    ['idempotency_keys'],
  );
  await db.raw('create index if not exists idempotency_keys_created_at on ?? (created_at)', [
    'idempotency_keys',
  ]);
}

export async function down(db: Knex): Promise<void> {
  await db.raw('drop index if exists idempotency_keys_created_at');
}
