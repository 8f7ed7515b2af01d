import type { Knex } from 'knex';

/**
 * Diversion messages (issue 21): every message the evaluator decided, one row per
 * signage endpoint it goes to, written in the decision's transaction and marked sent
 * (or failed, with the reason) after the POST. The record of what the park's screens
 * and loudspeakers were told, and when.
 */
export const name = '0048-zone-messages';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('zone_messages', (t) => {
    t.bigIncrements('id').primary();
    t.text('area_id').notNullable();
    t.text('zone_id').notNullable();
    t.text('target_zone_id');
    t.text('action').notNullable(); // show | clear
    t.text('endpoint').notNullable();
    t.text('kind').notNullable(); // led | broadcast
    t.text('text_zh').notNullable();
    t.text('text_en').notNullable();
    t.integer('in_zone').notNullable();
    t.integer('capacity').notNullable();
    t.text('status').notNullable().defaultTo('pending'); // pending | sent | failed
    t.integer('attempts').notNullable().defaultTo(0);
    t.text('last_error');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('sent_at', { useTz: true });
    t.index(['area_id', 'created_at']);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('zone_messages');
}
