import type { Knex } from 'knex';

/**
 * Staff and device keys carry a scope (issue 16): the areas they act for (`{*}`: every
 * area), the device they were issued for, an expiry, who issued them and the key that
 * replaced them in a rotation (the old one then stops at its `expires_at`).
 *
 * Existing keys: `admin` keys become platform admins (every area). Other staff keys had
 * no area at all, which let them act for every area: on an install with exactly one area
 * they are scoped to it (nothing changes for them); with several, they are scoped to no
 * area and act for none until an admin re-issues them with their areas.
 */
export const name = '0015-key-scope';

export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('api_keys', (t) => {
    t.specificType('areas', 'text[]').notNullable().defaultTo('{}');
    t.text('device_kind'); // box-office | kiosk | handheld; null: a service key (admin, partner, tests)
    t.timestamp('expires_at', { useTz: true });
    t.text('created_by');
    t.text('replaced_by'); // the key that rotated this one out
  });
  await db('api_keys')
    .where({ role: 'admin' })
    .update({ areas: db.raw(`'{*}'::text[]`) });
  const areas = await db('areas').pluck('id');
  if (areas.length === 1)
    await db('api_keys')
      .whereNotIn('role', ['admin', 'partner'])
      .update({ areas: db.raw('ARRAY[?]::text[]', [areas[0]!]) });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('api_keys', (t) => {
    t.dropColumn('areas');
    t.dropColumn('device_kind');
    t.dropColumn('expires_at');
    t.dropColumn('created_by');
    t.dropColumn('replaced_by');
  });
}
