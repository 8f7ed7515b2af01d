import type { Knex } from 'knex';

/**
 * The alerts Alertmanager says are firing (issue 21, the crowd screen's "open alerts").
 * Every notification the alert relay receives is recorded here as well as queued for the
 * robots: one row per alert instance, Alertmanager's fingerprint plus its `startsAt` (an
 * alert that resolves and fires again is a new instance), so a resolution and a late
 * repeat of the firing can arrive in either order and the row still ends resolved.
 */
export const name = '0072-open-alerts';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('open_alerts', (t) => {
    t.text('fingerprint').notNullable();
    t.timestamp('starts_at', { useTz: true }).notNullable();
    t.text('name').notNullable();
    t.text('severity').notNullable();
    // the alert's `area` label; null for platform-wide alerts
    t.text('area_id');
    t.text('summary').notNullable();
    t.text('summary_zh');
    t.text('status').notNullable();
    t.timestamp('ends_at', { useTz: true });
    // the last notification that named it: a firing alert Alertmanager stopped repeating is stale
    t.timestamp('last_seen_at', { useTz: true }).notNullable();
    t.primary(['fingerprint', 'starts_at']);
    t.index(['area_id', 'status'], 'open_alerts_area_idx', { predicate: db.whereRaw("status = 'firing'") });
  });
  await db.raw(
    `alter table open_alerts add constraint open_alerts_status check (status in ('firing', 'resolved'))`,
  );
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('open_alerts');
}
