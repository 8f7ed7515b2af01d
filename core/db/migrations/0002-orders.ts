import type { Knex } from 'knex';

/** Books: orders, lines, visitors, tickets, payments, refunds, outbox, audit, idempotency. */
export const name = '0002-orders';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('orders', (t) => {
    t.uuid('id').primary();
    t.text('area_id').notNullable().references('areas.id');
    t.date('visit_date').notNullable();
    t.text('slot_id').notNullable();
    t.text('channel_id').notNullable().references('channels.id');
    t.text('status').notNullable(); // held|paid|issued|expired|cancelled|refunded|partially_refunded
    t.bigInteger('amount_total').notNullable();
    t.bigInteger('amount_refunded').notNullable().defaultTo(0);
    t.text('currency').notNullable().defaultTo('CNY');
    t.text('contact_phone_enc');
    t.text('contact_phone_hash');
    t.text('access_token_hash').notNullable();
    t.text('partner_order_id');
    // The inventory reservation this order's stock lives under (changes on reschedule).
    t.text('res_id').notNullable();
    t.text('actor').notNullable(); // who placed it: visitor:<hash>, staff:<key id>, partner:<id>
    t.jsonb('pricing').notNullable(); // the price breakdown as quoted
    t.timestamp('expires_at', { useTz: true });
    t.timestamp('paid_at', { useTz: true });
    t.timestamps(true, true);
    t.index(['area_id', 'visit_date', 'status']);
    t.index(['contact_phone_hash']);
    t.unique(['channel_id', 'partner_order_id']);
  });
  await db.schema.createTable('order_lines', (t) => {
    t.increments('id');
    t.uuid('order_id').notNullable().references('orders.id');
    t.text('product_id').notNullable().references('products.id');
    t.integer('quantity').notNullable();
    t.integer('units').notNullable(); // capacity units (quantity × persons)
    t.bigInteger('unit_price').notNullable();
    t.bigInteger('amount').notNullable();
  });
  await db.schema.createTable('tickets', (t) => {
    t.uuid('id').primary();
    t.uuid('order_id').notNullable().references('orders.id');
    t.integer('order_line_id').notNullable().references('order_lines.id');
    t.text('product_id').notNullable().references('products.id');
    t.text('area_id').notNullable();
    t.date('visit_date').notNullable();
    t.text('slot_id').notNullable();
    t.integer('units').notNullable();
    t.bigInteger('price').notNullable();
    t.text('status').notNullable(); // pending|valid|void|refunded|rescheduled|revoked
    t.integer('entries_allowed').notNullable();
    t.integer('entries_used').notNullable().defaultTo(0);
    // Visitor (real name). Name, ID number and phone are encrypted; the keyed hash
    // finds a ticket by ID card at a gate without decrypting anything.
    t.text('visitor_name_enc').notNullable();
    t.text('id_type').notNullable(); // cn_resident | passport | other
    t.text('id_number_enc').notNullable();
    t.text('id_hash').notNullable();
    t.text('id_masked').notNullable();
    t.text('code'); // the signed QR token, set when issued
    t.timestamp('issued_at', { useTz: true });
    t.timestamp('revoked_at', { useTz: true });
    t.index(['order_id']);
    t.index(['area_id', 'visit_date', 'id_hash']);
  });
  await db.schema.createTable('payments', (t) => {
    t.uuid('id').primary();
    t.uuid('order_id').notNullable().references('orders.id');
    t.text('provider').notNullable();
    t.text('provider_ref');
    t.bigInteger('amount').notNullable();
    t.text('status').notNullable(); // pending|succeeded|failed|refunded
    t.jsonb('raw');
    t.timestamps(true, true);
    t.unique(['provider', 'provider_ref']);
  });
  await db.schema.createTable('refunds', (t) => {
    t.uuid('id').primary();
    t.uuid('order_id').notNullable().references('orders.id');
    t.specificType('ticket_ids', 'uuid[]').notNullable();
    t.bigInteger('amount').notNullable();
    t.text('reason_code').notNullable();
    t.text('reason_text');
    t.text('status').notNullable(); // pending|succeeded|failed
    t.text('actor').notNullable();
    t.timestamps(true, true);
  });
  await db.schema.createTable('outbox', (t) => {
    t.bigIncrements('id');
    t.text('topic').notNullable();
    t.text('aggregate_id').notNullable();
    t.jsonb('payload').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.timestamp('published_at', { useTz: true });
    t.index(['published_at', 'id']);
  });
  await db.schema.createTable('audit_log', (t) => {
    t.bigIncrements('id');
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.text('actor').notNullable();
    t.text('action').notNullable(); // e.g. scenic.order.refunded
    t.text('subject').notNullable();
    t.jsonb('data').notNullable().defaultTo('{}');
    t.index(['subject']);
  });
  await db.schema.createTable('idempotency_keys', (t) => {
    t.text('scope').notNullable(); // actor or partner id: keys are per caller
    t.text('key').notNullable();
    t.text('request_hash').notNullable();
    t.text('state').notNullable(); // running | done
    t.integer('status_code');
    t.jsonb('response');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.timestamp('locked_until', { useTz: true });
    t.primary(['scope', 'key']);
  });
  await db.schema.createTable('api_keys', (t) => {
    t.text('id').primary(); // public part of the key: sk_<id>_<secret>
    t.text('name').notNullable();
    t.text('role').notNullable(); // admin | box-office | gate | partner | kiosk
    t.text('secret_hash').notNullable(); // sha256 of the secret part
    t.text('channel_id'); // the sales channel this credential sells through, if any
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.timestamp('revoked_at', { useTz: true });
  });
  await db.schema.createTable('signing_keys', (t) => {
    t.text('kid').primary();
    t.text('public_key').notNullable(); // base64 raw Ed25519
    t.text('private_key_enc').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.timestamp('retired_at', { useTz: true }); // stops signing; still verifies
  });
  await db.schema.createTable('waitlist', (t) => {
    t.bigIncrements('id');
    t.text('area_id').notNullable();
    t.date('visit_date').notNullable();
    t.text('slot_id').notNullable();
    t.text('channel_id').notNullable();
    t.integer('units').notNullable();
    t.text('contact_phone_enc').notNullable();
    t.text('contact_phone_hash').notNullable();
    t.text('state').notNullable(); // waiting|claimable|claimed|lapsed|cancelled
    t.timestamp('claim_until', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.index(['area_id', 'visit_date', 'slot_id', 'state', 'id']);
  });
}

export async function down(db: Knex): Promise<void> {
  for (const t of [
    'waitlist',
    'signing_keys',
    'api_keys',
    'idempotency_keys',
    'audit_log',
    'outbox',
    'refunds',
    'payments',
    'tickets',
    'order_lines',
    'orders',
  ]) {
    await db.schema.dropTableIfExists(t);
  }
}
