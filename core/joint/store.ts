import type { Knex } from 'knex';
import type { JointProductRow, SupplierRow } from '../db/tables.js';
import type { Actor } from '../orders/model.js';
import { auditChange } from '../audit/store.js';
import { inputError, notFound, type FieldIssue } from '../errors.js';
import type { Clock } from '../clock.js';
import { FULL_SHARE_BPS, type JointProductDefinition, type SupplierDefinition } from './inputs.js';

/**
 * Suppliers and joint products in Postgres. A joint product's legs are kept in
 * reservation order (by area id): every process reserves the areas in the same order.
 * Each leg's area gets an inactive product row of the same id, which its gates and
 * manifests look tickets' products up in, and which the area never sells on its own
 * (the catalog loads active products only).
 */
export interface SupplierView {
  id: string;
  name: string;
  kind: SupplierRow['kind'];
  active: boolean;
}

export interface JointProductView {
  id: string;
  name: string;
  price: number;
  currency: string;
  areas: JointProductRow['areas'];
  suppliers: JointProductRow['suppliers'];
  active: boolean;
  /** issue 22: the share of the price a member pays (bps); null: no member price */
  memberPriceBps: number | null;
}

const supplierView = (r: SupplierRow): SupplierView => ({
  id: r.id,
  name: r.name,
  kind: r.kind,
  active: r.active,
});
export const jointView = (r: JointProductRow): JointProductView => ({
  id: r.id,
  name: r.name,
  price: r.price,
  currency: r.currency,
  areas: r.areas,
  suppliers: r.suppliers,
  active: r.active,
  memberPriceBps: r.member_bps,
});

/** Creates or changes a supplier (audited with before and after). */
export async function upsertSupplier(
  db: Knex,
  actor: Actor,
  clock: Clock,
  id: string,
  def: SupplierDefinition,
): Promise<SupplierView> {
  return db.transaction(async (trx) => {
    const before = await trx('suppliers').where({ id }).forUpdate().first();
    const [row] = await trx('suppliers')
      .insert({ id, ...def, updated_at: clock.now() })
      .onConflict('id')
      .merge()
      .returning('*');
    const after = supplierView(row!);
    await auditChange(trx, actor, {
      action: before ? 'scenic.supplier.updated' : 'scenic.supplier.created',
      subject: `supplier:${id}`,
      before: before ? supplierView(before) : null,
      after,
    });
    return after;
  });
}

export async function listSuppliers(db: Knex): Promise<SupplierView[]> {
  return (await db('suppliers').orderBy('id')).map(supplierView);
}

/** Every issue of a definition against the catalog: shares, areas, slots, suppliers. */
type Issue = FieldIssue & { code: 'joint_shares_invalid' | 'joint_leg_unknown' | 'supplier_not_found' };

async function definitionIssues(trx: Knex, def: JointProductDefinition): Promise<Issue[]> {
  const issues: Issue[] = [];
  const shares = [...def.areas, ...def.suppliers].reduce((s, x) => s + x.shareBps, 0);
  if (shares !== FULL_SHARE_BPS)
    issues.push({
      path: 'areas',
      message: `shares add up to ${shares} bps, not ${FULL_SHARE_BPS}`,
      code: 'joint_shares_invalid',
    });
  const areaIds = def.areas.map((a) => a.areaId);
  if (new Set(areaIds).size !== areaIds.length)
    issues.push({ path: 'areas', message: 'an area is named twice', code: 'joint_leg_unknown' });
  const supplierIds = def.suppliers.map((s) => s.supplierId);
  if (new Set(supplierIds).size !== supplierIds.length)
    issues.push({ path: 'suppliers', message: 'a supplier is named twice', code: 'joint_shares_invalid' });
  const slots = await trx('time_slots').whereIn('area_id', areaIds).select('area_id', 'id');
  def.areas.forEach((a, i) => {
    if (!slots.some((s) => s.area_id === a.areaId && s.id === a.slotId))
      issues.push({
        path: `areas.${i}`,
        message: `area ${a.areaId} has no slot ${a.slotId}`,
        code: 'joint_leg_unknown',
      });
  });
  const known = new Set(
    await trx('suppliers')
      .whereIn(
        'id',
        def.suppliers.map((s) => s.supplierId),
      )
      .where({ active: true })
      .pluck('id'),
  );
  def.suppliers.forEach((s, i) => {
    if (!known.has(s.supplierId))
      issues.push({
        path: `suppliers.${i}.supplierId`,
        message: `no active supplier ${s.supplierId}`,
        code: 'supplier_not_found',
      });
  });
  return issues;
}

/**
 * Creates or changes a joint product. Refused (400, naming the field) when the shares do
 * not add up to the whole, or a leg or supplier is unknown. Changing one does not touch
 * orders already placed: their tickets and lines carry their own areas and prices.
 */
export async function upsertJointProduct(
  db: Knex,
  actor: Actor,
  clock: Clock,
  id: string,
  def: JointProductDefinition,
): Promise<JointProductView> {
  return db.transaction(async (trx) => {
    const issues = await definitionIssues(trx, def);
    const first = issues[0];
    if (first)
      throw inputError(
        first.code,
        first.message,
        issues.map(({ path, message }) => ({ path, message })),
      );
    const areas = [...def.areas].sort((a, b) => (a.areaId < b.areaId ? -1 : a.areaId > b.areaId ? 1 : 0));
    const before = await trx('joint_products').where({ id }).forUpdate().first();
    const [row] = await trx('joint_products')
      .insert({
        id,
        name: def.name,
        price: def.price,
        areas: JSON.stringify(areas),
        suppliers: JSON.stringify(def.suppliers),
        active: def.active,
        member_bps: def.memberPriceBps ?? null,
        updated_at: clock.now(),
      })
      .onConflict('id')
      .merge()
      .returning('*');
    for (const a of areas)
      await trx('products')
        .insert({
          id,
          area_id: a.areaId,
          name: def.name,
          kind: 'joint',
          base_price: 0,
          persons: 1,
          entries_allowed: 1,
          reentry: false,
          date_bound: true,
          validity_days: 1,
          free_reschedule: false,
          release_on_exit: false,
          entrances: null,
          components: JSON.stringify([]),
          eligibility: null,
          active: false,
        })
        .onConflict(['area_id', 'id'])
        .merge(['name']);
    const after = jointView(row!);
    await auditChange(trx, actor, {
      action: before ? 'scenic.joint_product.updated' : 'scenic.joint_product.created',
      subject: `joint:${id}`,
      before: before ? jointView(before) : null,
      after,
    });
    return after;
  });
}

export async function listJointProducts(
  db: Knex,
  opts: { activeOnly: boolean },
): Promise<JointProductView[]> {
  const q = db('joint_products').orderBy('id');
  return (await (opts.activeOnly ? q.where({ active: true }) : q)).map(jointView);
}

/** A joint product on sale, or 404. */
export async function loadJointProduct(db: Knex, id: string): Promise<JointProductRow> {
  const row = await db('joint_products').where({ id, active: true }).first();
  if (!row) throw notFound('joint_product_not_found', `no joint product ${id} on sale`);
  return row;
}
