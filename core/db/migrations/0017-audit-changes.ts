import type { Knex } from 'knex';

/**
 * The audit trail records what a change did (issue 16): the area it belongs to (so an
 * area's managers read their area's trail) and the state before and after it.
 */
export const name = '0017-audit-changes';

export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('audit_log', (t) => {
    t.text('area_id');
    t.jsonb('before');
    t.jsonb('after');
    t.index(['area_id', 'id']);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('audit_log', (t) => {
    t.dropIndex(['area_id', 'id']);
    t.dropColumn('area_id');
    t.dropColumn('before');
    t.dropColumn('after');
  });
}
