import type { Knex } from 'knex';

/**
 * Scan points of combo components (issue 18): a registered gate device given the role of
 * one component's door (the bus door, the theatre door). Such a device redeems that
 * component only, and never counts an entry to the area; each of its scans is kept with
 * its decision and reason, like the entrance gates' scans.
 */
export const name = '0078-combo-scan-points';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('combo_scan_points', (t) => {
    t.text('gate_id').primary().references('id').inTable('gate_devices').onDelete('CASCADE');
    t.text('area_id').notNullable();
    t.text('component_id').notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
  });
  await db.schema.createTable('combo_scans', (t) => {
    t.uuid('scan_id').primary();
    t.text('gate_id').notNullable();
    t.text('area_id').notNullable();
    t.text('component_id').notNullable();
    t.text('ticket_id').notNullable();
    t.uuid('booking_id');
    t.text('decision').notNullable(); // admit | refuse
    t.text('reason').notNullable();
    t.timestamp('scanned_at', { useTz: true }).notNullable();
    t.timestamp('received_at', { useTz: true }).notNullable();
    t.index(['booking_id']);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('combo_scans');
  await db.schema.dropTable('combo_scan_points');
}
