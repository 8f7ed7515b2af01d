import type { Knex } from 'knex';

/**
 * Campaigns (issue 22, second part): member-bound single-use coupons, an area's send
 * limits and quiet hours, campaigns over a segment and one send row per member (the
 * worker's idempotency: a member is sent a campaign at most once), the mini-program
 * openid a member registered (sealed), and weather rules with one firing per rule and date.
 */
export const name = '0080-campaigns';

export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('member_accounts', (t) => {
    // the member's mini-program openid (sealed), registered by the mini-program with consent
    t.text('mp_openid_enc');
  });
  await db.schema.createTable('campaign_settings', (t) => {
    t.text('area_id').primary().references('areas.id');
    t.jsonb('settings').notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
  });
  await db.schema.createTable('campaigns', (t) => {
    t.uuid('id').primary();
    t.text('area_id').notNullable().references('areas.id');
    t.text('name').notNullable();
    t.jsonb('segment').notNullable();
    t.jsonb('offer').notNullable();
    t.text('message').notNullable();
    t.text('template_id');
    t.text('status').notNullable(); // draft | sending | done
    t.text('created_by').notNullable();
    // the weather rule that started it, if one did
    t.text('source');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('started_at', { useTz: true });
    t.timestamp('finished_at', { useTz: true });
    t.index(['area_id', 'created_at']);
  });
  await db.schema.createTable('campaign_sends', (t) => {
    t.uuid('campaign_id').notNullable().references('campaigns.id');
    t.text('account_id').notNullable().references('member_accounts.id');
    t.text('area_id').notNullable();
    // pending | sending | sent | skipped | failed | unconfirmed
    t.text('state').notNullable();
    t.text('channel');
    t.text('coupon_code');
    t.text('reason');
    t.integer('attempts').notNullable().defaultTo(0);
    t.timestamp('not_before', { useTz: true });
    t.timestamp('sent_at', { useTz: true });
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.primary(['campaign_id', 'account_id']);
    t.index(['account_id', 'area_id', 'sent_at']);
  });
  await db.schema.createTable('campaign_coupons', (t) => {
    t.text('code').notNullable();
    t.text('area_id').notNullable();
    t.text('account_id').notNullable().references('member_accounts.id');
    t.uuid('campaign_id').notNullable().references('campaigns.id');
    t.text('kind').notNullable(); // amount | percent
    t.integer('value').notNullable(); // fen, or bps
    t.integer('cap_fen');
    t.text('product_id');
    t.timestamp('valid_from', { useTz: true }).notNullable();
    t.timestamp('valid_until', { useTz: true }).notNullable();
    // the order it is redeemed on; cleared when the order lapses or is refunded in full
    t.uuid('order_id').unique();
    t.integer('discount_fen');
    t.timestamp('redeemed_at', { useTz: true });
    t.timestamp('issued_at', { useTz: true }).notNullable();
    t.primary(['area_id', 'code']);
    t.unique(['campaign_id', 'account_id']);
  });
  await db.schema.createTable('weather_rules', (t) => {
    t.text('id').primary();
    t.text('area_id').notNullable().references('areas.id');
    t.text('location').notNullable();
    t.text('condition').notNullable(); // sunny_weekend
    t.uuid('campaign_id').notNullable().references('campaigns.id');
    t.boolean('enabled').notNullable().defaultTo(true);
    t.timestamp('created_at', { useTz: true }).notNullable();
  });
  await db.schema.createTable('weather_rule_firings', (t) => {
    t.text('rule_id').notNullable().references('weather_rules.id');
    // the date the forecast was for (the weekend's Saturday)
    t.date('date').notNullable();
    t.uuid('campaign_id').notNullable();
    t.timestamp('fired_at', { useTz: true }).notNullable();
    t.primary(['rule_id', 'date']);
  });
}

export async function down(db: Knex): Promise<void> {
  for (const t of [
    'weather_rule_firings',
    'weather_rules',
    'campaign_coupons',
    'campaign_sends',
    'campaigns',
    'campaign_settings',
  ])
    await db.schema.dropTable(t);
  await db.schema.alterTable('member_accounts', (t) => t.dropColumn('mp_openid_enc'));
}
