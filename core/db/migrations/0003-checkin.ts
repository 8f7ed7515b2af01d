import type { Knex } from 'knex';

/**
 * Check-in: the redemption ledger of gate scans (owned by core/checkin, issue #5).
 *
 * - gate_devices: one row per gate agent (turnstile or handheld), its hashed credential
 *   and its last reported health.
 * - checkin_scans: every decision a gate took, keyed by the gate's scan id (idempotent
 *   uploads), with whether it counts as a redemption (`counted`) or went over the
 *   ticket's allowance (`over_limit`: an offline double entry).
 * - checkin_flags: tickets used more often than allowed, for staff.
 * - area_presence / entrance_flow: in-park figures and entries per entrance per minute.
 * - ticket_changes: a cursor over every change of a ticket that a gate must hear about
 *   (issued, refunded, revoked, rescheduled, redeemed), filled by a trigger so no
 *   writer of `tickets` can forget it.
 * - checkin_settings: per-area grace minutes around slot windows.
 */
export const name = '0003-checkin';

export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('tickets', (t) => {
    t.text('card_uid'); // NFC/IC card bound to the ticket (normalised hex)
    t.index(['card_uid']);
  });
  await db.schema.createTable('checkin_settings', (t) => {
    t.text('area_id').primary().references('areas.id');
    t.integer('grace_before_min').notNullable().defaultTo(30);
    t.integer('grace_after_min').notNullable().defaultTo(60);
  });
  await db.schema.createTable('gate_devices', (t) => {
    t.text('id').primary();
    t.text('area_id').notNullable().references('areas.id');
    t.text('entrance_id').notNullable().references('entrances.id');
    t.text('kind').notNullable(); // turnstile | handheld
    t.text('credential_hash').notNullable(); // sha256 of the secret part, hex
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.timestamp('revoked_at', { useTz: true });
    t.timestamp('last_seen_at', { useTz: true });
    t.timestamp('last_sync_at', { useTz: true });
    t.bigInteger('last_seq').notNullable().defaultTo(0);
    t.integer('journal_backlog').notNullable().defaultTo(0);
    t.timestamp('offline_since', { useTz: true });
    t.jsonb('health').notNullable().defaultTo('{}');
  });
  await db.schema.createTable('checkin_scans', (t) => {
    t.uuid('scan_id').primary();
    t.text('gate_id').notNullable().references('gate_devices.id');
    t.text('area_id').notNullable();
    t.text('entrance_id').notNullable();
    t.bigInteger('seq'); // the gate's journal sequence; null until the journal row arrives
    t.date('local_date').notNullable();
    t.timestamp('scanned_at', { useTz: true }).notNullable();
    t.timestamp('received_at', { useTz: true }).notNullable();
    t.text('media').notNullable(); // qr | id | nfc | face | none
    t.text('direction').notNullable(); // in | out
    t.uuid('ticket_id');
    t.text('decision').notNullable(); // admit | deny
    t.text('reason').notNullable();
    t.text('mode').notNullable(); // online | offline
    t.text('source').notNullable(); // precheck | journal
    t.boolean('counted').notNullable().defaultTo(false);
    t.boolean('over_limit').notNullable().defaultTo(false);
    t.index(['ticket_id']);
    t.index(['area_id', 'local_date']);
  });
  // Not unique: a gate whose journal was lost starts again at 1 with new scan ids.
  await db.raw('create index checkin_scans_gate_seq on checkin_scans (gate_id, seq)');
  await db.schema.createTable('checkin_flags', (t) => {
    t.bigIncrements('id');
    t.uuid('ticket_id').notNullable();
    t.text('kind').notNullable(); // double_entry
    t.text('area_id').notNullable();
    t.integer('entries_allowed').notNullable();
    t.integer('entries_seen').notNullable();
    t.specificType('scan_ids', 'uuid[]').notNullable();
    t.specificType('gate_ids', 'text[]').notNullable();
    t.text('status').notNullable().defaultTo('open'); // open | cleared | resolved
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.text('resolved_by');
    t.unique(['ticket_id', 'kind']);
    t.index(['area_id', 'status']);
  });
  await db.schema.createTable('area_presence', (t) => {
    t.text('area_id').notNullable();
    t.date('day').notNullable();
    t.integer('entries').notNullable().defaultTo(0); // counted once per allowed entry
    t.integer('exits').notNullable().defaultTo(0);
    t.primary(['area_id', 'day']);
  });
  await db.schema.createTable('entrance_flow', (t) => {
    t.text('area_id').notNullable();
    t.text('entrance_id').notNullable();
    t.timestamp('minute', { useTz: true }).notNullable();
    t.integer('entries').notNullable().defaultTo(0); // gate openings, as the crowd screen shows them
    t.integer('exits').notNullable().defaultTo(0);
    t.primary(['area_id', 'entrance_id', 'minute']);
  });
  await db.schema.createTable('ticket_changes', (t) => {
    t.bigIncrements('seq');
    t.uuid('ticket_id').notNullable();
    t.text('area_id').notNullable();
    t.date('visit_date').notNullable();
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.index(['area_id', 'visit_date', 'seq']);
  });
  // `set search_path from current` pins the function to this schema (tests run one
  // schema per file; production uses one schema).
  await db.raw(`
    create function scenic_ticket_changed() returns trigger language plpgsql
    set search_path from current as $$
    begin
      insert into ticket_changes (ticket_id, area_id, visit_date) values (new.id, new.area_id, new.visit_date);
      if tg_op = 'UPDATE' and old.visit_date is distinct from new.visit_date then
        insert into ticket_changes (ticket_id, area_id, visit_date) values (old.id, old.area_id, old.visit_date);
      end if;
      return null;
    end $$`);
  await db.raw(`
    create trigger tickets_changed after insert or update of status, entries_used, card_uid, visit_date, slot_id, entries_allowed
    on tickets for each row execute function scenic_ticket_changed()`);
}

export async function down(db: Knex): Promise<void> {
  await db.raw('drop trigger if exists tickets_changed on tickets');
  await db.raw('drop function if exists scenic_ticket_changed()');
  for (const t of [
    'ticket_changes',
    'entrance_flow',
    'area_presence',
    'checkin_flags',
    'checkin_scans',
    'gate_devices',
    'checkin_settings',
  ]) {
    await db.schema.dropTableIfExists(t);
  }
  await db.schema.alterTable('tickets', (t) => {
    t.dropIndex(['card_uid']);
    t.dropColumn('card_uid');
  });
}
