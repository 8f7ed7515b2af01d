import type { Knex } from 'knex';

/**
 * Product, entrance and coupon ids are per area (issue 16): the key is (area_id, id), so
 * two areas may both sell an `adult` and one area's declaration can never take a row
 * from another (before, `insert … on conflict (id) merge` moved the row to the area that
 * declared it last). Every reference follows: order lines (which get their area),
 * tickets, price rules and gate devices point at (area_id, id). Public ids do not change:
 * every API already names a product, entrance or coupon together with its area.
 */
export const name = '0020-per-area-ids';

/** Foreign keys to the single-column keys, dropped before the keys change. */
const OLD_FKS: [table: string, constraint: string][] = [
  ['order_lines', 'order_lines_product_id_foreign'],
  ['tickets', 'tickets_product_id_foreign'],
  ['price_rules', 'price_rules_product_id_foreign'],
  ['gate_devices', 'gate_devices_entrance_id_foreign'],
];

export async function up(db: Knex): Promise<void> {
  for (const [table, fk] of OLD_FKS) await db.raw('alter table ?? drop constraint ??', [table, fk]);
  for (const table of ['products', 'entrances']) {
    await db.raw('alter table ?? drop constraint ??', [table, `${table}_pkey`]);
    await db.raw('alter table ?? add constraint ?? primary key (area_id, id)', [table, `${table}_pkey`]);
  }
  await db.raw('alter table coupons drop constraint coupons_pkey');
  await db.raw('alter table coupons add constraint coupons_pkey primary key (area_id, code)');

  await db.schema.alterTable('order_lines', (t) => t.text('area_id'));
  await db.raw('update order_lines l set area_id = o.area_id from orders o where o.id = l.order_id');
  await db.raw('alter table order_lines alter column area_id set not null');

  const fk = (table: string, cols: string, ref: string, constraint: string) =>
    db.raw(`alter table ?? add constraint ?? foreign key (${cols}) references ${ref}`, [table, constraint]);
  await fk('order_lines', 'area_id, product_id', 'products (area_id, id)', 'order_lines_product_fk');
  await fk('tickets', 'area_id, product_id', 'products (area_id, id)', 'tickets_product_fk');
  // product_id null (a rule for every product): MATCH SIMPLE checks nothing, as before
  await fk('price_rules', 'area_id, product_id', 'products (area_id, id)', 'price_rules_product_fk');
  await fk('gate_devices', 'area_id, entrance_id', 'entrances (area_id, id)', 'gate_devices_entrance_fk');
}

export async function down(db: Knex): Promise<void> {
  for (const [table, c] of [
    ['order_lines', 'order_lines_product_fk'],
    ['tickets', 'tickets_product_fk'],
    ['price_rules', 'price_rules_product_fk'],
    ['gate_devices', 'gate_devices_entrance_fk'],
  ] as const)
    await db.raw('alter table ?? drop constraint ??', [table, c]);
  await db.schema.alterTable('order_lines', (t) => t.dropColumn('area_id'));
  // Fails, as it must, once two areas share an id: there is no single-column key to go back to.
  for (const [table, col] of [
    ['products', 'id'],
    ['entrances', 'id'],
    ['coupons', 'code'],
  ] as const) {
    await db.raw('alter table ?? drop constraint ??', [table, `${table}_pkey`]);
    await db.raw(`alter table ?? add constraint ?? primary key (${col})`, [table, `${table}_pkey`]);
  }
  for (const [table, col, ref, constraint] of [
    ['order_lines', 'product_id', 'products (id)', 'order_lines_product_id_foreign'],
    ['tickets', 'product_id', 'products (id)', 'tickets_product_id_foreign'],
    ['price_rules', 'product_id', 'products (id)', 'price_rules_product_id_foreign'],
    ['gate_devices', 'entrance_id', 'entrances (id)', 'gate_devices_entrance_id_foreign'],
  ] as const)
    await db.raw(`alter table ?? add constraint ?? foreign key (${col}) references ${ref}`, [
      table,
      constraint,
    ]);
}
