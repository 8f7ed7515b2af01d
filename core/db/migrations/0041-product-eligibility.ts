import type { Knex } from 'knex';

/**
 * Issue 17 item 11: concession prices were sold against any ID. A product may declare who
 * may travel on it (`{minAge?, underAge?, checks[]}`, core/catalog/eligibility.ts); null
 * means its kind's band (seniors 60+, children under 18, students with a card).
 */
export const name = '0041-product-eligibility';

export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('products', (t) => {
    t.jsonb('eligibility');
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('products', (t) => {
    t.dropColumn('eligibility');
  });
}
