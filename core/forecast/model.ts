import { dayKind, isPublicHoliday, type DayKind } from './calendar.js';
import { WEATHER_EFFECT, type Weather } from './weather.js';

/**
 * The crowd forecast, pure: visitors per area, day and slot from the area's history.
 * Multiplicative and explainable: a slot's plain-day level × weekday × public holiday ×
 * school holiday × weather, then blended with the booking curve's pace (bookings so far
 * ÷ the share of the final count usually booked by this many days ahead). Every
 * forecast carries its factors, each with its value and why.
 */
export interface PastSlot {
  date: string;
  slotId: string;
  /** visitors who came (or held valid tickets) */
  visitors: number;
  /** units booked at each lead: [days before the visit, units] */
  byLead: readonly (readonly [number, number])[];
}

export interface ForecastTarget {
  date: string;
  slotId: string;
  /** days from today to the visit (0 = today) */
  leadDays: number;
  /** units booked so far for the slot */
  booked: number;
  /** the weather the adapter knows for the day, if any */
  weather?: Weather | null;
}

export interface ForecastFactor {
  name: 'base' | 'weekday' | 'public_holiday' | 'school_holiday' | 'weather' | 'booking_curve';
  value: number;
  note: string;
}

export interface Forecast {
  date: string;
  slotId: string;
  visitors: number;
  factors: ForecastFactor[];
}

export interface FittedModel {
  slotBase: Map<string, { mean: number; n: number }>;
  weekday: number[];
  publicHoliday: number;
  schoolHoliday: number;
  /** curve[L]: share of the final count booked L or more days ahead (0..horizon) */
  curve: number[];
}

/** How many observations weigh as much as the prior (shrinkage toward it). */
const PRIOR_WEIGHT = 3;
/** What a public holiday / school-holiday day multiplies before the area's history says. */
export const PRIORS = { publicHoliday: 1.6, schoolHoliday: 1.2 } as const;
export const CURVE_HORIZON = 60;

const shrunk = (ratios: number[], prior: number) =>
  (ratios.reduce((s, r) => s + r, 0) + PRIOR_WEIGHT * prior) / (ratios.length + PRIOR_WEIGHT);

const mean = (xs: number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : 0);

/** A plain day: a working day, no holiday of any kind: the level every effect is relative to. */
const plain = (k: DayKind) => !k.dayOff && !k.schoolHoliday;

/** Units booked `lead` or more days ahead. */
export const bookedBy = (p: PastSlot, lead: number) =>
  p.byLead.reduce((s, [l, u]) => (l >= lead ? s + u : s), 0);

function fitCurve(history: readonly PastSlot[]): number[] {
  const total = history.reduce((s, p) => s + p.visitors, 0);
  // units by lead (beyond the horizon counted at it), then summed from the far end: one pass
  const atLead = new Array<number>(CURVE_HORIZON + 1).fill(0);
  for (const p of history)
    for (const [l, u] of p.byLead) atLead[Math.min(Math.max(0, l), CURVE_HORIZON)]! += u;
  const curve = new Array<number>(CURVE_HORIZON + 1).fill(0);
  let booked = 0;
  for (let l = CURVE_HORIZON; l >= 0; l--) {
    booked += atLead[l]!;
    curve[l] = total ? Math.min(1, booked / total) : 0;
  }
  return curve;
}

/** Learns the effects from history (any order; days with no slot row count as nothing known). */
export function fitModel(history: readonly PastSlot[]): FittedModel {
  const kinds = new Map<string, DayKind>();
  const kindOf = (d: string) => kinds.get(d) ?? kinds.set(d, dayKind(d)).get(d)!;
  const bySlot = new Map<string, PastSlot[]>();
  for (const p of history) {
    const rows = bySlot.get(p.slotId);
    if (rows) rows.push(p);
    else bySlot.set(p.slotId, [p]);
  }
  const slotBase = new Map<string, { mean: number; n: number }>();
  for (const [slot, rows] of bySlot) {
    const plainRows = rows.filter((r) => plain(kindOf(r.date)));
    const use = plainRows.length ? plainRows : rows;
    slotBase.set(slot, { mean: mean(use.map((r) => r.visitors)), n: use.length });
  }
  const ratio = (p: PastSlot) => {
    const b = slotBase.get(p.slotId)!.mean;
    return b > 0 ? p.visitors / b : 1;
  };
  const weekday = [0, 1, 2, 3, 4, 5, 6].map((wd) =>
    shrunk(
      history
        .filter((p) => {
          const k = kindOf(p.date);
          return k.weekday === wd && !k.makeUpWorkday && k.holiday === null && !k.schoolHoliday;
        })
        .map(ratio),
      1,
    ),
  );
  const dayEffect = (k: DayKind) => (k.makeUpWorkday ? weekday[1]! : weekday[k.weekday]!);
  const schoolHoliday = shrunk(
    history
      .filter((p) => kindOf(p.date).schoolHoliday && !isPublicHoliday(kindOf(p.date)))
      .map((p) => ratio(p) / dayEffect(kindOf(p.date))),
    PRIORS.schoolHoliday,
  );
  const publicHoliday = shrunk(
    history
      .filter((p) => isPublicHoliday(kindOf(p.date)))
      .map((p) => ratio(p) / (kindOf(p.date).schoolHoliday ? schoolHoliday : 1)),
    PRIORS.publicHoliday,
  );
  return { slotBase, weekday, publicHoliday, schoolHoliday, curve: fitCurve(history) };
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** The calendar and weather part: what the day should bring before any booking is counted. */
function priorFactors(m: FittedModel, t: ForecastTarget): ForecastFactor[] {
  const k = dayKind(t.date);
  const base = m.slotBase.get(t.slotId) ?? { mean: 0, n: 0 };
  const out: ForecastFactor[] = [
    { name: 'base', value: round2(base.mean), note: `slot ${t.slotId} on a plain working day (n=${base.n})` },
  ];
  // A public holiday's effect is learnt against a plain working day whatever its weekday
  // (fitModel), so the weekday is not applied on top: the Saturday of a golden week is a
  // holiday, not a Saturday times a holiday.
  if (!isPublicHoliday(k))
    out.push({
      name: 'weekday',
      value: round2(k.makeUpWorkday ? m.weekday[1]! : m.weekday[k.weekday]!),
      note: k.makeUpWorkday ? `make-up working day for ${k.holiday}` : `weekday ${k.weekday}`,
    });
  if (isPublicHoliday(k))
    out.push({ name: 'public_holiday', value: round2(m.publicHoliday), note: k.holiday ?? 'holiday' });
  if (k.schoolHoliday)
    out.push({ name: 'school_holiday', value: round2(m.schoolHoliday), note: 'school holidays' });
  if (t.weather)
    out.push({ name: 'weather', value: WEATHER_EFFECT[t.weather], note: `forecast: ${t.weather}` });
  return out;
}

/** The forecast of one slot of one day, with its factors. */
export function forecastSlot(m: FittedModel, t: ForecastTarget): Forecast {
  const factors = priorFactors(m, t);
  const prior = factors.reduce((x, f) => x * f.value, 1);
  const share = m.curve[Math.min(Math.max(0, t.leadDays), CURVE_HORIZON)] ?? 0;
  let visitors = prior;
  // the pace says more the more of the final count is usually in by now
  if (share >= 0.05) {
    const pace = t.booked / share;
    visitors = share * pace + (1 - share) * prior;
    factors.push({
      name: 'booking_curve',
      value: round2(share),
      note: `${t.booked} booked ${t.leadDays} d ahead, usually ${Math.round(share * 100)} % of the final by then: pace ${Math.round(pace)}`,
    });
  }
  return { date: t.date, slotId: t.slotId, visitors: Math.max(t.booked, Math.round(visitors)), factors };
}

/**
 * Whether a forecast rests on anything: the slot's own history or bookings already made.
 * A slot with neither is forecast at zero, which would read as "empty" and take the
 * price to the curve's cheapest; a new area's prices should not fall because nothing is
 * known yet, so such a forecast sets no factor (the static price stands).
 */
export const hasBasis = (f: Pick<Forecast, 'visitors' | 'factors'>): boolean =>
  f.visitors > 0 || f.factors.some((x) => x.name === 'base' && x.value > 0);
