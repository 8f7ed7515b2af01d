import type { Knex } from 'knex';
import { z } from 'zod';
import type { AreaConfig } from '../catalog/catalog.js';
import { DynamicPricingDefinition } from '../catalog/definition.js';
import type { CrowdForecastRow } from '../db/tables.js';
import { auditChange } from '../audit/store.js';
import { inputError, notFound } from '../errors.js';
import type { Actor } from '../orders/model.js';
import { dynamicStep, type DynamicBounds } from '../pricing/dynamic.js';
import { parseInput } from '../validation.js';
import { addDays } from '../time.js';
import { factorForLoad } from './factor.js';
import { listFactors, setPriceFactor, type FactorView } from './factors.js';
import { hasBasis, type ForecastFactor } from './model.js';
import { loadForecasts } from './store.js';

/**
 * The manager's guard rails on crowd-forecast pricing (issue 22): each product's floor and
 * ceiling (and whether it moves at all), a factor pinned by hand for a slot of a day (the
 * forecast worker leaves it alone until it is unpinned), and what explains a price — the
 * forecast, its factors, its backtest error and the factor in force. Every change is
 * audited with its before and after.
 */

/** The body of a pin: the factor in bps of the base price, and why (kept in the audit). */
export const PinFactorInput = z.object({
  // 0.30×–3.00×: a wider pin is a typing slip, not a price decision
  factorBps: z.number().int().min(3000).max(30000),
  reason: z.string().min(1).max(200),
});
export type PinFactorInput = z.output<typeof PinFactorInput>;

export const BoundsInput = DynamicPricingDefinition;

/** A product's bounds as the console shows them. */
export interface BoundsView {
  areaId: string;
  productId: string;
  basePrice: number;
  dynamicPricing: DynamicBounds | null;
}

/**
 * Sets a product's dynamic-pricing bounds (or turns it off with `enabled: false`). The
 * floor may not exceed the base price nor the ceiling fall below it: dynamic pricing
 * moves a price around its base, it does not replace it.
 */
export async function setDynamicBounds(
  db: Knex,
  actor: Actor,
  areaId: string,
  productId: string,
  body: unknown,
): Promise<BoundsView> {
  const input = parseInput(BoundsInput, body);
  return db.transaction(async (trx) => {
    const row = await trx('products').where({ area_id: areaId, id: productId }).forUpdate().first();
    if (!row) throw notFound('product_not_found', `area ${areaId} has no product ${productId}`);
    const fields = [
      ...(input.floor > row.base_price
        ? [{ path: 'floor', message: `must not exceed the base price ${row.base_price}` }]
        : []),
      ...(input.ceiling < row.base_price
        ? [{ path: 'ceiling', message: `must not be below the base price ${row.base_price}` }]
        : []),
    ];
    if (fields.length)
      throw inputError('invalid_input', fields.map((f) => `${f.path} ${f.message}`).join('; '), fields);
    const before: BoundsView = {
      areaId,
      productId,
      basePrice: row.base_price,
      dynamicPricing: row.dynamic_pricing,
    };
    const after: BoundsView = { ...before, dynamicPricing: input };
    await trx('products')
      .where({ area_id: areaId, id: productId })
      .update({ dynamic_pricing: JSON.stringify(input) });
    await auditChange(trx, actor, {
      action: 'scenic.price.bounds_changed',
      subject: `${areaId}/${productId}`,
      areaId,
      before,
      after,
    });
    return after;
  });
}

/** Every product's bounds in an area (retired ones too: the console lists them). */
export async function listBounds(db: Knex, areaId: string): Promise<BoundsView[]> {
  const rows = await db('products').where({ area_id: areaId }).orderBy('id');
  return rows.map((r) => ({
    areaId,
    productId: r.id,
    basePrice: r.base_price,
    dynamicPricing: r.dynamic_pricing,
  }));
}

const checkSlot = (area: AreaConfig, slotId: string) => {
  if (!area.slots.some((s) => s.id === slotId))
    throw inputError('unknown_price_slot', `area ${area.id} has no time slot ${slotId}`, [
      { path: 'slotId', message: 'not a slot of this area' },
    ]);
};

/** Pins a slot-day's factor by hand: the price is the manager's until unpinned. */
export async function pinFactor(
  db: Knex,
  actor: Actor,
  area: AreaConfig,
  at: { date: string; slotId: string },
  body: unknown,
  now: Date,
): Promise<FactorView & { changed: boolean }> {
  checkSlot(area, at.slotId);
  const input = parseInput(PinFactorInput, body);
  const changed = await setPriceFactor(
    db,
    actor,
    { areaId: area.id, date: at.date, slotId: at.slotId, factorBps: input.factorBps, source: 'manager' },
    now,
    { reason: input.reason },
  );
  return { date: at.date, slotId: at.slotId, factorBps: input.factorBps, source: 'manager', changed };
}

/**
 * Lifts a pin: the slot-day goes back to the factor its stored forecast suggests (none
 * stored: no factor, the static price) at once rather than at the worker's next run, so
 * the price a visitor sees never keeps a manager's decision that was withdrawn.
 * Idempotent: a slot-day with no pin is left as it is.
 */
export async function unpinFactor(
  db: Knex,
  actor: Actor,
  area: AreaConfig,
  at: { date: string; slotId: string },
  now: Date,
): Promise<FactorView | null> {
  checkSlot(area, at.slotId);
  return db.transaction(async (trx) => {
    const key = { area_id: area.id, visit_date: at.date, slot_id: at.slotId };
    const row = await trx('price_factors').where(key).forUpdate().first();
    const current = (r: typeof row): FactorView | null =>
      r ? { date: at.date, slotId: at.slotId, factorBps: r.factor_bps, source: r.source } : null;
    if (row?.source !== 'manager') return current(row);
    const forecast = await trx('crowd_forecasts').where(key).first();
    const after: FactorView | null =
      forecast && hasBasis(forecast)
        ? {
            date: at.date,
            slotId: at.slotId,
            factorBps: factorForLoad(forecast.capacity ? forecast.visitors / forecast.capacity : 0),
            source: 'forecast',
          }
        : null;
    if (after)
      await trx('price_factors')
        .where(key)
        .update({ factor_bps: after.factorBps, source: 'forecast', updated_at: now });
    else await trx('price_factors').where(key).delete();
    await auditChange(trx, actor, {
      action: 'scenic.price.factor_unpinned',
      subject: `${area.id}/${at.date}/${at.slotId}`,
      areaId: area.id,
      before: current(row),
      after,
    });
    return after;
  });
}

/** What explains one slot-day's price: the forecast and its factors, the factor in force, each product's price. */
export interface SlotExplanation {
  date: string;
  slotId: string;
  capacity: number;
  /** null: no forecast stored for the slot-day yet */
  forecast: {
    visitors: number;
    load: number;
    factors: ForecastFactor[];
    /** the factor the forecast's load suggests (bps); null: the forecast rests on nothing yet, no factor */
    suggestedFactorBps: number | null;
    error: CrowdForecastRow['error'];
    computedAt: string;
  } | null;
  /** the factor in force (null: none, static prices) */
  factor: FactorView | null;
  products: {
    productId: string;
    basePrice: number;
    dynamicPricing: DynamicBounds | null;
    /** base × factor within the bounds, before channel prices and other rules */
    unitPrice: number;
    /** the bound that held the price, if one did */
    heldBy: 'floor' | 'ceiling' | null;
  }[];
}

/** An area's forecasts and factors over [from, from + days), slot by slot. */
export async function explainPrices(
  db: Knex,
  area: AreaConfig,
  q: { from: string; days: number },
): Promise<SlotExplanation[]> {
  const to = addDays(q.from, q.days);
  const [forecasts, factors] = await Promise.all([
    loadForecasts(db, { areaId: area.id, from: q.from, to }),
    listFactors(db, { areaId: area.id, from: q.from, to }),
  ]);
  const fc = new Map(forecasts.map((f) => [`${f.visit_date}/${f.slot_id}`, f]));
  const fx = new Map(factors.map((f) => [`${f.date}/${f.slotId}`, f]));
  const out: SlotExplanation[] = [];
  for (let i = 0; i < q.days; i++) {
    const date = addDays(q.from, i);
    for (const s of area.slots) {
      const f = fc.get(`${date}/${s.id}`);
      const factor = fx.get(`${date}/${s.id}`) ?? null;
      const load = f && f.capacity ? f.visitors / f.capacity : 0;
      out.push({
        date,
        slotId: s.id,
        capacity: s.capacity,
        forecast: f
          ? {
              visitors: f.visitors,
              load: Math.round(load * 1000) / 1000,
              factors: f.factors,
              suggestedFactorBps: hasBasis(f) ? factorForLoad(load) : null,
              error: f.error,
              computedAt: f.computed_at.toISOString(),
            }
          : null,
        factor,
        products: [...area.products.values()].map((p) => {
          const step = dynamicStep(p.basePrice, p.dynamicPricing, factor?.factorBps);
          const moved = factor ? Math.floor((p.basePrice * factor.factorBps + 5000) / 10000) : p.basePrice;
          const unitPrice = step?.unitPrice ?? p.basePrice;
          return {
            productId: p.id,
            basePrice: p.basePrice,
            dynamicPricing: p.dynamicPricing,
            unitPrice,
            heldBy: !step ? null : moved < unitPrice ? 'floor' : moved > unitPrice ? 'ceiling' : null,
          };
        }),
      });
    }
  }
  return out;
}
