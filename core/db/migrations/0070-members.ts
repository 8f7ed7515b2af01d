import type { Knex } from 'knex';

/**
 * Members (issue 22): an account per signed-in phone, the area's member settings and
 * rules, a points ledger, the orders a member bought (and the points they spent), the
 * events the rules worker has applied (its idempotency), the coupons the rules issued,
 * and the partner flag that a partner sells to members.
 */
export const name = '0070-members';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('member_accounts', (t) => {
    t.text('id').primary();
    // the public member number a partner quotes (`memberRef`)
    t.text('member_no').notNullable().unique();
    // null once erased (personal-information deletion): the account row stays for the books
    t.text('phone_hash').unique();
    t.text('phone_enc');
    t.text('name_enc');
    t.text('id_type');
    t.text('id_number_enc');
    t.text('id_masked');
    t.boolean('marketing_consent').notNullable().defaultTo(false);
    t.timestamp('consent_given_at', { useTz: true });
    t.timestamp('consent_withdrawn_at', { useTz: true });
    t.timestamp('member_since', { useTz: true });
    t.text('level');
    t.integer('points').notNullable().defaultTo(0);
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.timestamp('deleted_at', { useTz: true });
  });
  await db.raw('alter table member_accounts add constraint member_points_not_negative check (points >= 0)');
  await db.schema.createTable('member_settings', (t) => {
    t.text('area_id').primary().references('areas.id');
    t.jsonb('settings').notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
  });
  await db.schema.createTable('member_points', (t) => {
    t.bigIncrements('id');
    t.text('account_id').notNullable().references('member_accounts.id');
    t.integer('delta').notNullable();
    t.text('reason').notNullable();
    // what the movement is for (`earn:order:<id>`…): one movement per reference
    t.text('ref').notNullable().unique();
    t.text('area_id');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.index(['account_id', 'created_at']);
  });
  await db.schema.createTable('member_orders', (t) => {
    t.uuid('order_id').primary().references('orders.id');
    t.text('account_id').notNullable().references('member_accounts.id');
    t.text('via').notNullable(); // session | partner
    t.boolean('member_price').notNullable();
    t.integer('points_spent').notNullable().defaultTo(0);
    t.integer('points_discount').notNullable().defaultTo(0);
    t.index(['account_id']);
  });
  await db.schema.createTable('member_events', (t) => {
    // `paid:<order>`, `entry:<scan>`, `refund:<refund>`, `lapsed:<order>`, `rule:<area>:<rule>:<account>`
    t.text('event_key').primary();
    t.text('account_id').notNullable().references('member_accounts.id');
    t.text('area_id').notNullable();
    t.text('kind').notNullable();
    t.timestamp('at', { useTz: true }).notNullable();
    t.jsonb('applied').notNullable();
    t.index(['account_id', 'kind', 'at']);
  });
  await db.schema.createTable('member_coupons', (t) => {
    t.text('code').notNullable();
    t.text('area_id').notNullable();
    t.text('account_id').notNullable().references('member_accounts.id');
    t.text('rule_id').notNullable();
    t.timestamp('issued_at', { useTz: true }).notNullable();
    t.primary(['area_id', 'code']);
  });
  await db.schema.alterTable('partners', (t) => {
    t.boolean('sells_to_members').notNullable().defaultTo(false);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('partners', (t) => t.dropColumn('sells_to_members'));
  for (const t of ['member_coupons', 'member_events', 'member_orders', 'member_points', 'member_settings'])
    await db.schema.dropTable(t);
  await db.schema.dropTable('member_accounts');
}
