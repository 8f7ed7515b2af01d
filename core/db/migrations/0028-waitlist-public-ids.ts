import type { Knex } from 'knex';

/**
 * Issue 17 item 10: waiting-list entries were reached by their sequential id, readable by
 * anyone. Each gets an unguessable public id (`wl_` + 32 hex digits from Postgres's strong
 * random source; entries already there get one now), and the hashed device and address
 * that joined, so joins can be limited per device and per address as well as per phone.
 */
export const name = '0028-waitlist-public-ids';

export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('waitlist', (t) => {
    t.text('public_id');
    t.text('device_hash');
    t.text('address_hash');
  });
  await db.raw(`update ?? set public_id = 'wl_' || replace(gen_random_uuid()::text, '-', '')`, ['waitlist']);
  await db.schema.alterTable('waitlist', (t) => {
    t.text('public_id').notNullable().alter();
    t.unique(['public_id'], { indexName: 'waitlist_public_id_unique' });
    t.index(['area_id', 'visit_date', 'contact_phone_hash'], 'waitlist_area_day_phone');
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('waitlist', (t) => {
    t.dropIndex(['area_id', 'visit_date', 'contact_phone_hash'], 'waitlist_area_day_phone');
    t.dropUnique(['public_id'], 'waitlist_public_id_unique');
    t.dropColumn('public_id');
    t.dropColumn('device_hash');
    t.dropColumn('address_hash');
  });
}
