import type { Knex } from 'knex';

/**
 * Issue 17 item 16: a lifecycle for ticket-signing keys and a webhook secret of each partner
 * key (item 18). A signing key that is retired (`retired_at`: stops signing) keeps verifying
 * until `verify_until`, set by `scenic keys retire`; `revoked_at` ends it at once. Before this,
 * every key ever made verified forever. A partner credential gets `webhook_secret_enc`: the
 * secret Scenic signs that partner's webhooks with, never the secret the partner signs with.
 */
export const name = '0038-key-lifecycle';

export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('signing_keys', (t) => {
    t.timestamp('verify_until', { useTz: true });
    t.timestamp('revoked_at', { useTz: true });
  });
  await db.schema.alterTable('partner_credentials', (t) => {
    t.text('webhook_secret_enc');
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('partner_credentials', (t) => {
    t.dropColumn('webhook_secret_enc');
  });
  await db.schema.alterTable('signing_keys', (t) => {
    t.dropColumn('verify_until');
    t.dropColumn('revoked_at');
  });
}
