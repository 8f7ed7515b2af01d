import type { Knex } from 'knex';

/**
 * Group tickets (issue 18, core/groups): one ticket of N persons carries its party — the
 * leader's name and phone and each member's name and ID — sealed (`group_enc`), and the
 * masked list the gate and the order view show (`group_masked`, like `id_masked`). A gate
 * scan of a group admits n persons (`persons`); the ledger records how many of them count
 * within the party size (`persons_counted`), so entries across devices never exceed it.
 */
export const name = '0087-group-tickets';

export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('tickets', (t) => {
    t.text('group_enc').nullable();
    t.jsonb('group_masked').nullable();
  });
  await db.schema.alterTable('checkin_scans', (t) => {
    t.smallint('persons').nullable();
    t.smallint('persons_counted').nullable();
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('checkin_scans', (t) => {
    t.dropColumn('persons');
    t.dropColumn('persons_counted');
  });
  await db.schema.alterTable('tickets', (t) => {
    t.dropColumn('group_enc');
    t.dropColumn('group_masked');
  });
}
