import type { Knex } from 'knex';

/**
 * One source of truth (issue 16, ADR 0010). `area_declarations` records which Kubernetes
 * resource declares an area's capacity, slots, thresholds and channels, and binds the
 * area id (and its Redis prefix) to that resource's namespace: a ScenicArea elsewhere
 * cannot claim it. `fields` is what the operator last wrote (null once the resource is
 * gone: nothing is declared, the binding stays until a platform admin releases it).
 * `areas.plan_version` counts changes of what the inventory enforces, so a replica that
 * loaded an older plan cannot write it over a newer one in Redis (core/inventory/lua/init.lua).
 */
export const name = '0021-area-declarations';

export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('areas', (t) => {
    t.bigInteger('plan_version').notNullable().defaultTo(1);
  });
  await db.schema.createTable('area_declarations', (t) => {
    t.text('area_id').primary().references('areas.id');
    t.text('namespace').notNullable();
    t.text('name').notNullable();
    t.text('uid').notNullable();
    t.text('redis_prefix').notNullable();
    t.bigInteger('generation').notNullable().defaultTo(0);
    t.jsonb('fields');
    t.timestamp('claimed_at', { useTz: true }).notNullable();
    t.timestamp('applied_at', { useTz: true });
    t.index(['redis_prefix', 'namespace']);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('area_declarations');
  await db.schema.alterTable('areas', (t) => t.dropColumn('plan_version'));
}
