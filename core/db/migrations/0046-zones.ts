import type { Knex } from 'knex';

/**
 * Zones inside one park (issue 21). A ScenicArea declares them (ADR 0010): the operator
 * writes `zones` (one row per zone, ids per area like entrances) and `zone_settings`
 * (the area's diversion pairs, its signage endpoints and the flap control). `zone_states`
 * is what the diversion evaluator last decided per zone; its row lock serialises
 * evaluators of the same area, so two worker replicas never send the same message twice.
 */
export const name = '0046-zones';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('zones', (t) => {
    t.text('area_id').notNullable().references('areas.id');
    t.text('id').notNullable();
    t.text('name_zh').notNullable();
    t.text('name_en').notNullable();
    t.integer('capacity').notNullable();
    // scan points (catalog entrances) whose entries and exits move people in and out
    t.specificType('entrances', 'text[]').notNullable().defaultTo('{}');
    // people-counting sensors (counter_devices ids) that report this zone's flow
    t.specificType('counters', 'text[]').notNullable().defaultTo('{}');
    t.integer('position').notNullable().defaultTo(0);
    t.primary(['area_id', 'id']);
  });
  await db.schema.createTable('zone_settings', (t) => {
    t.text('area_id').primary().references('areas.id');
    t.jsonb('diversions').notNullable().defaultTo('[]');
    t.jsonb('signage').notNullable().defaultTo('[]');
    t.text('divert_at').notNullable().defaultTo('orange');
    t.integer('hysteresis_pct').notNullable().defaultTo(10);
    t.integer('min_hold_seconds').notNullable().defaultTo(300);
  });
  await db.schema.createTable('zone_states', (t) => {
    t.text('area_id').notNullable();
    t.text('zone_id').notNullable();
    t.boolean('diverting').notNullable().defaultTo(false);
    t.text('target_zone_id');
    // when `diverting` or the target last changed: the minimum hold counts from here
    t.timestamp('since', { useTz: true });
    t.timestamp('evaluated_at', { useTz: true }).notNullable();
    t.primary(['area_id', 'zone_id']);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('zone_states');
  await db.schema.dropTable('zone_settings');
  await db.schema.dropTable('zones');
}
