import type { Knex } from 'knex';

/**
 * A people-counting sensor is registered for one zone of its area (issue 21): the admin
 * route and `scenic counter register` take it, and the listing shows it next to the zones
 * whose declaration names the sensor. Null for sensors registered before.
 */
export const name = '0073-counter-zones';

export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('counter_devices', (t) => {
    t.text('zone_id');
    t.index(['area_id'], 'counter_devices_area_idx');
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('counter_devices', (t) => {
    t.dropIndex(['area_id'], 'counter_devices_area_idx');
    t.dropColumn('zone_id');
  });
}
