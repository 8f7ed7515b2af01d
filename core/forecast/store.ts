import type { Knex } from 'knex';
import type { CrowdForecastRow } from '../db/tables.js';
import { LIVE_STATUSES } from '../orders/model.js';
import type { PastSlot } from './model.js';

/**
 * What the forecast reads and writes: the area's booking history (paid orders by visit
 * date, slot and lead), what is booked so far for the coming days, and the forecasts.
 */

/** Paid units per visit date, slot and lead (days between the booking's local date and the visit). */
export async function bookingHistory(
  db: Knex,
  q: { areaId: string; from: string; to: string; timezone: string },
): Promise<PastSlot[]> {
  const { rows } = await db.raw<{
    rows: { visit_date: string; slot_id: string; lead: number; units: number }[];
  }>(
    `select o.visit_date::text as visit_date, o.slot_id,
            greatest(0, o.visit_date - (o.created_at at time zone ?)::date)::int as lead,
            sum(l.units)::int as units
       from orders o join order_lines l on l.order_id = o.id
      where o.area_id = ? and o.visit_date >= ? and o.visit_date < ?
        and o.status in ('issued', 'partially_refunded')
      group by 1, 2, 3`,
    [q.timezone, q.areaId, q.from, q.to],
  );
  const out = new Map<
    string,
    { date: string; slotId: string; visitors: number; byLead: [number, number][] }
  >();
  for (const r of rows) {
    const key = `${r.visit_date}/${r.slot_id}`;
    const p = out.get(key) ?? { date: r.visit_date, slotId: r.slot_id, visitors: 0, byLead: [] };
    p.visitors += r.units;
    p.byLead.push([r.lead, r.units]);
    out.set(key, p);
  }
  return [...out.values()];
}

/** Units booked so far (live orders) per `date/slot` over [from, to). */
export async function bookedSoFar(
  db: Knex,
  q: { areaId: string; from: string; to: string },
): Promise<Map<string, number>> {
  const { rows } = await db.raw<{ rows: { visit_date: string; slot_id: string; units: number }[] }>(
    `select o.visit_date::text as visit_date, o.slot_id, sum(l.units)::int as units
       from orders o join order_lines l on l.order_id = o.id
      where o.area_id = ? and o.visit_date >= ? and o.visit_date < ? and o.status = any(?)
      group by 1, 2`,
    [q.areaId, q.from, q.to, [...LIVE_STATUSES]],
  );
  return new Map(rows.map((r) => [`${r.visit_date}/${r.slot_id}`, r.units]));
}

/** Writes (or replaces) the forecasts of some slot-days. */
export async function storeForecasts(db: Knex, rows: readonly CrowdForecastRow[]): Promise<void> {
  if (!rows.length) return;
  await db('crowd_forecasts')
    .insert(rows.map((r) => ({ ...r, factors: JSON.stringify(r.factors), error: JSON.stringify(r.error) })))
    .onConflict(['area_id', 'visit_date', 'slot_id'])
    .merge();
}

/** An area's forecasts over [from, to), by date then slot. */
export function loadForecasts(
  db: Knex,
  q: { areaId: string; from: string; to: string },
): Promise<CrowdForecastRow[]> {
  return db('crowd_forecasts')
    .where({ area_id: q.areaId })
    .andWhere('visit_date', '>=', q.from)
    .andWhere('visit_date', '<', q.to)
    .orderBy([{ column: 'visit_date' }, { column: 'slot_id' }]);
}
