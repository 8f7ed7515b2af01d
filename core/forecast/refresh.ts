import type { Knex } from 'knex';
import type { AreaConfig } from '../catalog/catalog.js';
import type { Clock } from '../clock.js';
import type { CrowdForecastRow } from '../db/tables.js';
import type { Actor } from '../orders/model.js';
import { addDays, localDate } from '../time.js';
import { backtest, type BacktestResult } from './backtest.js';
import { factorForLoad } from './factor.js';
import { setPriceFactor } from './factors.js';
import { fitModel, forecastSlot, hasBasis } from './model.js';
import { bookedSoFar, bookingHistory, storeForecasts } from './store.js';
import type { WeatherSource } from './weather.js';

export interface ForecastDeps {
  db: Knex;
  clock: Clock;
  weather: WeatherSource;
}

/** How far back the model learns, how far ahead it forecasts, and how it is backtested. */
export const REFRESH = { historyDays: 365, horizonDays: 30, backtestDays: 28, backtestLeadDays: 7 } as const;

export interface RefreshResult {
  areaId: string;
  forecasts: number;
  factorsChanged: number;
  error: BacktestResult;
}

/**
 * Forecasts an area's coming days slot by slot, stores each forecast with its factors and
 * the model's backtest error, and moves each slot's price factor to what the forecast load
 * suggests (audited; pinned factors kept). Idempotent: run twice at the same time on the
 * same books, it stores the same forecasts and changes no factor the second time.
 */
export async function refreshForecasts(
  d: ForecastDeps,
  actor: Actor,
  area: AreaConfig,
  horizonDays: number = REFRESH.horizonDays,
): Promise<RefreshResult> {
  const now = d.clock.now();
  const today = localDate(now, area.timezone);
  const end = addDays(today, horizonDays);
  const history = await bookingHistory(d.db, {
    areaId: area.id,
    from: addDays(today, -REFRESH.historyDays),
    to: today,
    timezone: area.timezone,
  });
  const model = fitModel(history);
  const error = backtest(history, { days: REFRESH.backtestDays, leadDays: REFRESH.backtestLeadDays });
  const booked = await bookedSoFar(d.db, { areaId: area.id, from: today, to: end });
  const rows: CrowdForecastRow[] = [];
  let factorsChanged = 0;
  for (let i = 0; i < horizonDays; i++) {
    const date = addDays(today, i);
    const weather = await d.weather.outlook(area.id, date);
    for (const s of area.slots) {
      const f = forecastSlot(model, {
        date,
        slotId: s.id,
        leadDays: i,
        booked: booked.get(`${date}/${s.id}`) ?? 0,
        weather,
      });
      rows.push({
        area_id: area.id,
        visit_date: date,
        slot_id: s.id,
        visitors: f.visitors,
        capacity: s.capacity,
        factors: f.factors,
        error,
        computed_at: now,
      });
      if (!hasBasis(f)) continue; // nothing known of the slot yet: its price stays static
      const factorBps = factorForLoad(s.capacity ? f.visitors / s.capacity : 0);
      const input = { areaId: area.id, date, slotId: s.id, factorBps, source: 'forecast' as const };
      if (await setPriceFactor(d.db, actor, input, now)) factorsChanged++;
    }
  }
  await storeForecasts(d.db, rows);
  return { areaId: area.id, forecasts: rows.length, factorsChanged, error };
}

/** Why an area's forecast is due for a refresh, or null when it is current. */
export type RefreshDue = 'never' | 'new_day' | 'bookings_changed';

/**
 * Whether an area's forecast should be recomputed now: never computed, computed on an
 * earlier local day (the horizon moved, yesterday became history), or an order for a
 * coming day was placed, paid, cancelled or refunded since (the booking curve's pace
 * changed). Reads only the coming days' orders, through the orders' (area, visit date)
 * index, so the worker can ask every few minutes.
 */
export async function refreshDue(db: Knex, area: AreaConfig, now: Date): Promise<RefreshDue | null> {
  const last = await db('crowd_forecasts')
    .where({ area_id: area.id })
    .max<{ at: Date | null }>('computed_at as at')
    .first();
  if (!last?.at) return 'never';
  const today = localDate(now, area.timezone);
  if (localDate(last.at, area.timezone) < today) return 'new_day';
  const changed = await db('orders')
    .where({ area_id: area.id })
    .andWhere('visit_date', '>=', today)
    .andWhere('updated_at', '>', last.at)
    .first('id');
  return changed ? 'bookings_changed' : null;
}
