import type { Knex } from 'knex';
import type { ProductRow } from '../db/tables.js';
import type { Actor } from '../orders/model.js';
import { auditChange } from '../audit/store.js';
import { conflict, notFound } from '../errors.js';
import { parseInput } from '../validation.js';
import { ProductDefinition } from './definition.js';
import type { DynamicBounds } from '../pricing/dynamic.js';

/**
 * An area's products one at a time, for the console: list them (retired ones too, marked),
 * add one, retire one. A retired product is kept (orders and tickets name it) but is no
 * longer sold: the catalog loads active products only. Every change is audited with its
 * before and after. The caller drops the catalog cache and announces the change.
 */
export interface AdminProductView {
  id: string;
  name: string;
  kind: string;
  basePrice: number;
  currency: string;
  persons: number;
  active: boolean;
  /** crowd-forecast pricing bounds; null: static price */
  dynamicPricing: DynamicBounds | null;
}

const view = (r: ProductRow): AdminProductView => ({
  id: r.id,
  name: r.name,
  kind: r.kind,
  basePrice: r.base_price,
  currency: r.currency,
  persons: r.persons,
  active: r.active,
  dynamicPricing: r.dynamic_pricing,
});

/** A product's row as `upsertArea` and {@link addProduct} write it. */
export function productRow(areaId: string, p: ProductDefinition): Omit<ProductRow, 'currency'> {
  return {
    id: p.id,
    area_id: areaId,
    name: p.name,
    kind: p.kind,
    base_price: p.basePrice,
    persons: p.persons,
    entries_allowed: p.entriesAllowed,
    reentry: p.reentry,
    date_bound: p.dateBound,
    validity_days: p.validityDays,
    free_reschedule: p.freeReschedule,
    release_on_exit: p.releaseOnExit,
    entrances: p.entrances,
    components: p.components,
    eligibility: p.eligibility ?? null,
    active: true,
    dynamic_pricing: p.dynamicPricing ?? null,
    policy: p.policy ?? null,
    visit_route: p.visitRoute ?? null,
    group_tiers: p.group ?? null,
  };
}

/** A product row's jsonb columns as their JSON text (the driver would write arrays as Postgres arrays). */
export function productJson(
  row: Pick<ProductRow, 'components' | 'eligibility' | 'policy' | 'group_tiers' | 'dynamic_pricing'>,
) {
  return {
    components: JSON.stringify(row.components),
    eligibility: row.eligibility ? JSON.stringify(row.eligibility) : null,
    policy: row.policy ? JSON.stringify(row.policy) : null,
    group_tiers: row.group_tiers ? JSON.stringify(row.group_tiers) : null,
    dynamic_pricing: row.dynamic_pricing ? JSON.stringify(row.dynamic_pricing) : null,
  };
}

/** Active products first, then retired ones, each by id. */
export async function listProducts(db: Knex, areaId: string): Promise<AdminProductView[]> {
  const rows = await db('products')
    .where({ area_id: areaId })
    .orderBy([
      { column: 'active', order: 'desc' },
      { column: 'id', order: 'asc' },
    ]);
  return rows.map(view);
}

/** Adds a product to an area; an id the area already has (even retired) is refused. */
export async function addProduct(
  db: Knex,
  actor: Actor,
  areaId: string,
  body: unknown,
): Promise<AdminProductView> {
  const def = parseInput(ProductDefinition, body);
  return db.transaction(async (trx) => {
    const area = await trx('areas').where({ id: areaId }).forNoKeyUpdate().first('id');
    if (!area) throw notFound('area_not_found', `no area ${areaId}`);
    if (await trx('products').where({ area_id: areaId, id: def.id }).first('id'))
      throw conflict('product_exists', `area ${areaId} already has a product ${def.id}`, {
        fields: [{ path: 'id', message: 'taken in this area' }],
      });
    const row = productRow(areaId, def);
    const [inserted] = await trx('products')
      .insert({
        ...row,
        ...productJson(row),
      })
      .returning('*');
    const after = view(inserted!);
    await auditChange(trx, actor, {
      action: 'scenic.product.created',
      subject: `${areaId}/${def.id}`,
      areaId,
      before: null,
      after,
    });
    return after;
  });
}

/** Stops selling a product (idempotent: retiring a retired product changes nothing). */
export async function retireProduct(
  db: Knex,
  actor: Actor,
  areaId: string,
  productId: string,
): Promise<AdminProductView> {
  return db.transaction(async (trx) => {
    const row = await trx('products').where({ area_id: areaId, id: productId }).forUpdate().first();
    if (!row) throw notFound('product_not_found', `area ${areaId} has no product ${productId}`);
    if (!row.active) return view(row);
    const [updated] = await trx('products')
      .where({ area_id: areaId, id: productId })
      .update({ active: false })
      .returning('*');
    const after = view(updated!);
    await auditChange(trx, actor, {
      action: 'scenic.product.retired',
      subject: `${areaId}/${productId}`,
      areaId,
      before: view(row),
      after,
    });
    return after;
  });
}
