import type { Knex } from 'knex';

/**
 * Re-entry products: a ticket may go in again after it went out, on its day. The ledger
 * matches exits scanned with the ticket to its entries; `exits_used` is how many of them
 * it matched, and gates hear about it through the ticket change feed like `entries_used`.
 */
export const name = '0007-reentry';

const TRIGGER_COLUMNS = 'status, entries_used, card_uid, visit_date, slot_id, entries_allowed';

export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('tickets', (t) => {
    t.integer('exits_used').notNullable().defaultTo(0);
  });
  await db.raw('drop trigger if exists tickets_changed on tickets');
  await db.raw(
    `create trigger tickets_changed after insert or update of ${TRIGGER_COLUMNS}, exits_used on tickets for each row execute function scenic_ticket_changed()`,
  );
}

export async function down(db: Knex): Promise<void> {
  await db.raw('drop trigger if exists tickets_changed on tickets');
  await db.raw(
    `create trigger tickets_changed after insert or update of ${TRIGGER_COLUMNS} on tickets for each row execute function scenic_ticket_changed()`,
  );
  await db.schema.alterTable('tickets', (t) => {
    t.dropColumn('exits_used');
  });
}
