import type { Knex } from 'knex';

/**
 * A joint product's member price (issue 22): the share of its price a member pays. A joint
 * product has its own price, not its areas' price rules, so it needs its own member price;
 * null = no member price (what every existing product had).
 */
export const name = '0085-joint-member-price';

export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('joint_products', (t) => {
    t.integer('member_bps');
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('joint_products', (t) => t.dropColumn('member_bps'));
}
