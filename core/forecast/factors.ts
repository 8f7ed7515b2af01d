import type { Knex } from 'knex';
import type { PriceFactorRow } from '../db/tables.js';
import type { Actor } from '../orders/model.js';
import { auditChange } from '../audit/store.js';

/**
 * The price factor of each area, day and slot (bps, 10000 = the base price). The forecast
 * worker sets it; a manager may pin one by hand (`source: manager`), and the worker leaves
 * a pinned factor alone. Every change is audited with its before and after
 * (`scenic.price.factor_changed`); writing the same value again changes and records
 * nothing, so a refresh run twice is a no-op.
 */
export interface FactorView {
  date: string;
  slotId: string;
  factorBps: number;
  source: 'forecast' | 'manager';
}

const view = (r: PriceFactorRow): FactorView => ({
  date: r.visit_date,
  slotId: r.slot_id,
  factorBps: r.factor_bps,
  source: r.source,
});

/** An area's factors of one day, by slot (a slot with none: no factor, the static price). */
export async function slotFactors(db: Knex, areaId: string, date: string): Promise<Map<string, number>> {
  const rows = await db('price_factors').where({ area_id: areaId, visit_date: date });
  return new Map(rows.map((r) => [r.slot_id, r.factor_bps]));
}

/** An area's factors over [from, to). */
export async function listFactors(
  db: Knex,
  q: { areaId: string; from: string; to: string },
): Promise<FactorView[]> {
  const rows = await db('price_factors')
    .where({ area_id: q.areaId })
    .andWhere('visit_date', '>=', q.from)
    .andWhere('visit_date', '<', q.to)
    .orderBy([{ column: 'visit_date' }, { column: 'slot_id' }]);
  return rows.map(view);
}

/**
 * Sets one factor, audited. A forecast's write does not replace a manager's pin; returns
 * whether anything changed.
 */
export async function setPriceFactor(
  db: Knex,
  actor: Actor,
  f: { areaId: string; date: string; slotId: string; factorBps: number; source: 'forecast' | 'manager' },
  now: Date,
  /** what the audit entry also records (a manager's reason) */
  data: Record<string, unknown> = {},
): Promise<boolean> {
  return db.transaction(async (trx) => {
    const key = { area_id: f.areaId, visit_date: f.date, slot_id: f.slotId };
    const row = await trx('price_factors').where(key).forUpdate().first();
    if (row && f.source === 'forecast' && row.source === 'manager') return false;
    if (row && row.factor_bps === f.factorBps && row.source === f.source) return false;
    await trx('price_factors')
      .insert({ ...key, factor_bps: f.factorBps, source: f.source, updated_at: now })
      .onConflict(['area_id', 'visit_date', 'slot_id'])
      .merge();
    await auditChange(
      trx,
      actor,
      {
        action: 'scenic.price.factor_changed',
        subject: `${f.areaId}/${f.date}/${f.slotId}`,
        areaId: f.areaId,
        before: row ? view(row) : null,
        after: { date: f.date, slotId: f.slotId, factorBps: f.factorBps, source: f.source },
      },
      data,
    );
    return true;
  });
}
