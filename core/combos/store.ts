import type { Knex } from 'knex';
import type { Clock } from '../clock.js';
import type { ComboComponentRow, ComboSession } from '../db/tables.js';
import { inputError, notFound } from '../errors.js';
import { audit } from '../audit/store.js';
import type { Actor } from '../orders/model.js';
import type { Redis } from '../redis/client.js';
import type { ComponentDefinition } from './inputs.js';
import { seatField, seatsTaken } from './stock.js';

/** A component as the admin API and the availability answer show it. */
export interface ComponentView {
  areaId: string;
  id: string;
  name: string;
  kind: ComboComponentRow['kind'];
  productIds: string[];
  value: number;
  sessions: ComboSession[];
  active: boolean;
  /** the gate devices that redeem it */
  scanPoints: string[];
}

const view = (r: ComboComponentRow, scanPoints: string[]): ComponentView => ({
  areaId: r.area_id,
  id: r.id,
  name: r.name,
  kind: r.kind,
  productIds: r.product_ids,
  value: r.value,
  sessions: r.sessions,
  active: r.active,
  scanPoints,
});

/** The area's components, with their scan points. */
export async function listComponents(
  db: Knex,
  areaId: string,
  opts: { activeOnly: boolean },
): Promise<ComponentView[]> {
  const q = db('combo_components').where({ area_id: areaId }).orderBy('id');
  if (opts.activeOnly) void q.andWhere({ active: true });
  const [rows, points] = await Promise.all([
    q.select('*'),
    db('combo_scan_points').where({ area_id: areaId }).orderBy('gate_id').select('gate_id', 'component_id'),
  ]);
  return rows.map((r) =>
    view(
      r,
      points.filter((p) => p.component_id === r.id).map((p) => p.gate_id),
    ),
  );
}

/** The active components a product's tickets include. */
export async function componentsOf(
  db: Knex,
  areaId: string,
  productId: string,
): Promise<ComboComponentRow[]> {
  return db('combo_components')
    .where({ area_id: areaId, active: true })
    .whereRaw('product_ids \\? ?', [productId])
    .orderBy('id')
    .select('*');
}

/**
 * Declares (or changes) a component. Its products must be the area's; a change of capacity
 * applies to seats not yet taken (what Redis holds stays taken).
 */
export async function upsertComponent(
  db: Knex,
  actor: Actor,
  clock: Clock,
  areaId: string,
  id: string,
  def: ComponentDefinition,
): Promise<ComponentView> {
  return db.transaction(async (trx) => {
    const known = await trx('products').where({ area_id: areaId }).whereIn('id', def.productIds).select('id');
    const missing = def.productIds.filter((p) => !known.some((k) => k.id === p));
    if (missing.length)
      throw inputError(
        'combo_component_invalid',
        `area ${areaId} has no product ${missing.join(', ')}`,
        missing.map(() => ({ path: 'productIds', message: 'no such product in this area' })),
      );
    const [row] = await trx('combo_components')
      .insert({
        area_id: areaId,
        id,
        name: def.name,
        kind: def.kind,
        product_ids: JSON.stringify(def.productIds),
        value: def.value,
        sessions: JSON.stringify(def.sessions),
        active: def.active,
        updated_at: clock.now(),
      })
      .onConflict(['area_id', 'id'])
      .merge()
      .returning('*');
    await audit(trx, actor, 'scenic.combo.component_declared', `${areaId}/${id}`, {
      productIds: def.productIds,
      sessions: def.sessions.length,
      value: def.value,
    });
    const points = await trx('combo_scan_points')
      .where({ area_id: areaId, component_id: id })
      .select('gate_id');
    return view(
      row!,
      points.map((p) => p.gate_id),
    );
  });
}

/** Makes a registered gate device of the area the door of one component (the bus door, the theatre door). */
export async function setScanPoint(
  db: Knex,
  actor: Actor,
  clock: Clock,
  areaId: string,
  gateId: string,
  componentId: string,
): Promise<{ gateId: string; areaId: string; componentId: string }> {
  return db.transaction(async (trx) => {
    const gate = await trx('gate_devices')
      .where({ id: gateId, area_id: areaId })
      .whereNull('revoked_at')
      .first();
    if (!gate) throw notFound('gate_not_found', `no active gate device ${gateId} in area ${areaId}`);
    const c = await trx('combo_components').where({ area_id: areaId, id: componentId }).first();
    if (!c) throw notFound('combo_component_not_found', `no component ${componentId} in area ${areaId}`);
    await trx('combo_scan_points')
      .insert({ gate_id: gateId, area_id: areaId, component_id: componentId, updated_at: clock.now() })
      .onConflict('gate_id')
      .merge();
    await audit(trx, actor, 'scenic.combo.scan_point_set', gateId, { areaId, componentId });
    return { gateId, areaId, componentId };
  });
}

/** One session of a component on a day, as the visitor and partners see it. */
export interface SessionAvailability {
  id: string;
  startsAt: string;
  capacity: number;
  left: number;
}

/** The components of an area's combos on a day, each session with its seats left. */
export async function comboAvailability(
  db: Knex,
  redis: Redis,
  areaId: string,
  date: string,
): Promise<{
  areaId: string;
  date: string;
  components: (Omit<ComponentView, 'scanPoints'> & { sessions: SessionAvailability[] })[];
}> {
  const [list, taken] = await Promise.all([
    listComponents(db, areaId, { activeOnly: true }),
    seatsTaken(redis, areaId, date),
  ]);
  return {
    areaId,
    date,
    components: list.map(({ scanPoints: _gates, ...c }) => ({
      ...c,
      sessions: c.sessions.map((s) => ({
        ...s,
        left: Math.max(0, s.capacity - (taken.get(seatField(c.id, s.id)) ?? 0)),
      })),
    })),
  };
}
