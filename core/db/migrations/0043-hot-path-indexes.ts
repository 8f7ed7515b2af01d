import type { Knex } from 'knex';

/**
 * Issue 19: the hot paths' lookups by order had no index on three child tables. The
 * read-back of every new order (`order_lines where order_id = ?`) scanned the whole
 * table — 1.38 billion rows read for 52,000 orders — and throughput fell as the books
 * grew; paying (`payments where order_id = ?`) and refunding (`refunds where order_id`,
 * `refunds where payment_id`) did the same. `tests/orders/query-plans.test.ts` checks
 * each hot query's plan. Plain (not concurrent) builds: migrations run in a transaction,
 * and these tables are built while the API is rolled, before it sells. Safe to run twice.
 */
export const name = '0043-hot-path-indexes';

const INDEXES: [name: string, table: string, cols: string][] = [
  ['order_lines_order_id', 'order_lines', 'order_id'],
  ['payments_order_id', 'payments', 'order_id, status'],
  ['refunds_order_id', 'refunds', 'order_id'],
  ['refunds_payment_id', 'refunds', 'payment_id'],
];

export async function up(db: Knex): Promise<void> {
  for (const [index, table, cols] of INDEXES)
    await db.raw(`create index if not exists ?? on ?? (${cols})`, [index, table]);
}

export async function down(db: Knex): Promise<void> {
  for (const [index] of INDEXES) await db.raw('drop index if exists ??', [index]);
}
