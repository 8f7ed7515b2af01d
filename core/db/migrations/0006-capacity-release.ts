import type { Knex } from 'knex';

/**
 * Tickets of products that release their capacity on exit: when the visitor leaves,
 * the ticket's stock goes back on sale for the rest of the day. The moment is recorded
 * on the ticket, so Postgres (and hence the reconciler) knows the stock is free.
 */
export const name = '0006-capacity-release';

export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('tickets', (t) => {
    t.timestamp('capacity_released_at', { useTz: true });
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('tickets', (t) => {
    t.dropColumn('capacity_released_at');
  });
}
