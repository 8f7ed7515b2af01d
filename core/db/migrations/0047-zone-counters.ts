import type { Knex } from 'knex';

/**
 * People-counting sensors (issue 21). A sensor is a device of one area with its own key
 * id and HMAC secret (sealed with the PII vault, like partner secrets: the server must
 * hold the secret to verify a signature). Each signed report is a count of people in
 * and out since the sensor's previous one; `count_id` (the sensor's uuid for the report)
 * makes a resend idempotent, the nonce (Redis) refuses a replay of the same request.
 */
export const name = '0047-zone-counters';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('counter_devices', (t) => {
    t.text('id').primary();
    t.text('area_id').notNullable().references('areas.id');
    t.text('secret_enc').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('revoked_at', { useTz: true });
    t.timestamp('last_seen_at', { useTz: true });
  });
  await db.schema.createTable('counter_counts', (t) => {
    t.uuid('count_id').primary();
    t.text('counter_id').notNullable().references('counter_devices.id');
    t.text('area_id').notNullable();
    t.date('local_date').notNullable();
    t.timestamp('counted_at', { useTz: true }).notNullable();
    t.timestamp('received_at', { useTz: true }).notNullable();
    t.integer('entries').notNullable();
    t.integer('exits').notNullable();
    t.index(['area_id', 'local_date', 'counter_id']);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('counter_counts');
  await db.schema.dropTable('counter_devices');
}
