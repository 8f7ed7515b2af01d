import { bookedBy, fitModel, forecastSlot, type PastSlot } from './model.js';

/**
 * The forecast's error on the area's own past: for each of the last `days` dates, fit on
 * what was known before it, forecast each slot as it looked `leadDays` ahead (the bookings
 * made by then), and compare with what came. Rolling origin, so no day is forecast with
 * its own outcome.
 */
export interface BacktestResult {
  leadDays: number;
  /** slot-days compared */
  points: number;
  /** mean absolute error, visitors per slot */
  mae: number;
  /** mean absolute percentage error over slot-days that had visitors, in % */
  mape: number;
}

export function backtest(
  history: readonly PastSlot[],
  opts: { days: number; leadDays: number },
): BacktestResult {
  const dates = [...new Set(history.map((h) => h.date))].sort();
  const tested = dates.slice(Math.max(1, dates.length - opts.days));
  let abs = 0;
  let pct = 0;
  let n = 0;
  let np = 0;
  for (const date of tested) {
    const known = history.filter((h) => h.date < date);
    if (!known.length) continue;
    const model = fitModel(known);
    for (const actual of history.filter((h) => h.date === date)) {
      const f = forecastSlot(model, {
        date,
        slotId: actual.slotId,
        leadDays: opts.leadDays,
        booked: bookedBy(actual, opts.leadDays),
      });
      const err = Math.abs(f.visitors - actual.visitors);
      abs += err;
      n++;
      if (actual.visitors > 0) {
        pct += err / actual.visitors;
        np++;
      }
    }
  }
  const r1 = (x: number) => Math.round(x * 10) / 10;
  return {
    leadDays: opts.leadDays,
    points: n,
    mae: r1(n ? abs / n : 0),
    mape: r1(np ? (100 * pct) / np : 0),
  };
}
