import type { Knex } from 'knex';

/**
 * Sales channels and partners (core/channels, issue #4).
 *
 * - partners: an OTA/distributor, bound to exactly one sales channel (its quota, price
 *   rules and commission live on the channel), with the time zone its statements use.
 * - partner_credentials: HMAC key ids and their secrets, sealed with the PII vault so
 *   the server can recompute signatures; rotation sets `expires_at` on the old key
 *   (the overlap) instead of deleting it.
 * - webhook_subscriptions / webhook_deliveries: where a partner hears about its orders,
 *   and one row per (subscription, event) — the idempotency id the receiver sees.
 * - order_terms: the channel and commission rate an order was sold under, written by
 *   a trigger when the order is inserted, so a later change of the channel's rate does
 *   not rewrite past settlement statements (and no writer of `orders` can forget it).
 * - emergency_sessions / emergency_sales: a supervisor's manual-sales session against
 *   the on-site reserve while the central stock is degraded, and every sale made in it.
 * - ticket redemptions of partner orders become `ticket.redeemed` outbox events (trigger).
 */
export const name = '0004-channels';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('partners', (t) => {
    t.text('id').primary();
    t.text('name').notNullable();
    t.text('channel_id').notNullable().unique().references('channels.id');
    t.text('status').notNullable().defaultTo('active'); // active | suspended
    t.text('settlement_timezone').notNullable().defaultTo('Asia/Shanghai');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
  });
  await db.schema.createTable('partner_credentials', (t) => {
    t.text('key_id').primary();
    t.text('partner_id').notNullable().references('partners.id');
    t.text('secret_enc').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.timestamp('expires_at', { useTz: true }); // set when rotated: the end of the overlap
    t.timestamp('revoked_at', { useTz: true });
    t.index(['partner_id']);
  });
  await db.schema.createTable('webhook_subscriptions', (t) => {
    t.bigIncrements('id');
    t.text('partner_id').notNullable().references('partners.id');
    t.text('url').notNullable();
    t.specificType('events', 'text[]').notNullable();
    t.boolean('enabled').notNullable().defaultTo(true);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.index(['partner_id']);
  });
  await db.schema.createTable('webhook_deliveries', (t) => {
    t.uuid('id').primary();
    t.bigInteger('subscription_id').notNullable().references('webhook_subscriptions.id');
    t.text('partner_id').notNullable();
    t.text('event_id').notNullable(); // the idempotency id the receiver sees
    t.text('event_type').notNullable();
    t.uuid('order_id');
    t.jsonb('payload').notNullable();
    t.text('status').notNullable(); // pending | delivered | dead
    t.integer('attempts').notNullable().defaultTo(0);
    t.integer('replays').notNullable().defaultTo(0);
    t.integer('last_status_code');
    t.text('last_error');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.timestamp('delivered_at', { useTz: true });
    t.timestamp('next_attempt_at', { useTz: true }); // when the queue will try again (pending only)
    t.timestamp('locked_until', { useTz: true }); // a sender is on it: no second concurrent attempt
    t.unique(['subscription_id', 'event_id']);
    t.index(['partner_id', 'status', 'created_at']);
    t.index(['status', 'updated_at']);
  });
  await db.schema.createTable('order_terms', (t) => {
    t.uuid('order_id').primary().references('orders.id');
    t.text('channel_id').notNullable();
    t.integer('commission_bps').notNullable();
  });
  await db.schema.createTable('emergency_sessions', (t) => {
    t.uuid('id').primary();
    t.text('area_id').notNullable().references('areas.id');
    t.date('visit_date').notNullable();
    t.text('opened_by').notNullable();
    t.text('reason').notNullable();
    t.integer('max_units').notNullable();
    t.integer('used_units').notNullable().defaultTo(0);
    t.timestamp('opened_at', { useTz: true }).notNullable();
    t.timestamp('closed_at', { useTz: true });
    t.text('closed_by');
    t.index(['area_id', 'visit_date']);
  });
  await db.raw(
    'create unique index emergency_sessions_open on emergency_sessions (area_id, visit_date) where closed_at is null',
  );
  await db.schema.createTable('emergency_sales', (t) => {
    t.uuid('order_id').primary().references('orders.id');
    t.uuid('session_id').notNullable().references('emergency_sessions.id');
    t.text('sold_by').notNullable();
    t.integer('units').notNullable();
    // true when the central stock could not be reached and the sale counted against the session only
    t.boolean('stock_unreachable').notNullable();
    t.timestamp('at', { useTz: true }).notNullable();
    t.index(['session_id']);
  });
  // `set search_path from current` pins the functions to this schema (tests run one schema per file).
  await db.raw(`
    create function scenic_order_terms() returns trigger language plpgsql
    set search_path from current as $$
    begin
      insert into order_terms (order_id, channel_id, commission_bps)
        select new.id, new.channel_id, c.commission_bps from channels c where c.id = new.channel_id
        on conflict (order_id) do nothing;
      return null;
    end $$`);
  await db.raw(
    'create trigger orders_terms after insert on orders for each row execute function scenic_order_terms()',
  );
  await db.raw(`
    create function scenic_partner_redeemed() returns trigger language plpgsql
    set search_path from current as $$
    begin
      if exists (select 1 from orders o join partners p on p.channel_id = o.channel_id where o.id = new.order_id) then
        insert into outbox (topic, aggregate_id, payload)
          values ('ticket.redeemed', new.order_id, json_build_object('ticketId', new.id, 'entriesUsed', new.entries_used,
                  'entriesAllowed', new.entries_allowed, 'areaId', new.area_id, 'date', new.visit_date::text));
      end if;
      return null;
    end $$`);
  await db.raw(`
    create trigger tickets_partner_redeemed after update of entries_used on tickets
    for each row when (new.entries_used > old.entries_used) execute function scenic_partner_redeemed()`);
}

export async function down(db: Knex): Promise<void> {
  await db.raw('drop trigger if exists tickets_partner_redeemed on tickets');
  await db.raw('drop function if exists scenic_partner_redeemed()');
  await db.raw('drop trigger if exists orders_terms on orders');
  await db.raw('drop function if exists scenic_order_terms()');
  for (const t of [
    'emergency_sales',
    'emergency_sessions',
    'order_terms',
    'webhook_deliveries',
    'webhook_subscriptions',
    'partner_credentials',
    'partners',
  ]) {
    await db.schema.dropTableIfExists(t);
  }
}
