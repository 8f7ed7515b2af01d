/**
 * Crowd-forecast pricing, simulated (issue 22):
 *   npm run bench:pricing -- [--json] [--seed 1] [--seeds 3]
 *
 * A synthetic area (9 hourly slots 08:00–16:00, 500 each) and a year of synthetic history
 * under static prices, then a season (2026-07-01 … 2026-10-31: the summer school break,
 * Mid-autumn and the National Day golden week, from the maintained calendar) played three
 * times by the same visitors (common random numbers): at static prices, at the forecast's
 * prices (base × the slot's factor, within a floor of 0.80× and a ceiling of 1.30× the
 * base price), and the same with the floor at the base price (surcharges only). Visitors book 0–30 days ahead (earlier for holidays) and choose a
 * slot — or stay home — by a logit over the distance from the hour they wanted, the price
 * and how full the slot already looks; a full slot cannot be chosen.
 *
 * The forecast is the product's own (`core/forecast`): refitted weekly on everything seen
 * so far, re-forecast every simulated day with the bookings made so far (what the worker
 * does daily), turned into factors by the default curve, bounded by `core/pricing/dynamic`.
 *
 * Reported per policy: revenue, visitors, visitors who stayed home, the share of visitors
 * in the 10:00–14:00 peak, days with a slot at red (≥ 95 % of its capacity). And the
 * forecast's error: the backtest (rolling origin: each day forecast from what was known
 * before it, at a lead of 1, 7 and 14 days) over the season at static prices, the same
 * error of a seasonal-naive forecast (the same slot a week earlier) for scale, and the
 * error of the 7-day-ahead forecasts the dynamic run actually priced with. Pure
 * computation, no services; bounded (a few seconds a seed).
 */
import { performance } from 'node:perf_hooks';
import { dayKind, isPublicHoliday } from '../core/forecast/calendar.js';
import { backtest, type BacktestResult } from '../core/forecast/backtest.js';
import { factorForLoad } from '../core/forecast/factor.js';
import { fitModel, forecastSlot, type FittedModel, type PastSlot } from '../core/forecast/model.js';
import { dynamicStep, type DynamicBounds } from '../core/pricing/dynamic.js';
import { addDays } from '../core/time.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const json = args.includes('--json');
const say = (s: string) => console.log(json ? `# ${s}` : s);

const SLOTS = ['0800', '0900', '1000', '1100', '1200', '1300', '1400', '1500', '1600'];
const PEAK = new Set(['1000', '1100', '1200', '1300']);
const CAPACITY = 500;
/** the hour visitors want, before prices and crowding: the 10:00–14:00 peak draws 62 % */
const WANT = [0.05, 0.09, 0.15, 0.17, 0.16, 0.14, 0.11, 0.08, 0.05];
const BASE_PRICE = 8000;
const BOUNDS = { enabled: true, floor: 6400, ceiling: 10400 };
const HISTORY_FROM = '2025-07-01';
const SEASON_FROM = '2026-07-01';
const SEASON_DAYS = 123;
const MAX_LEAD = 30;
const RED = 0.95;
/** the logit's weights: per hour from the wanted one, per unit of price ÷ base, per unit of load above 60 % */
const TASTE = { hour: 0.7, price: 4, crowd: 3, stayHome: -2.2 } as const;

/** mulberry32: a small seeded generator, so a run is repeatable and both policies see the same visitors */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const gumbel = (r: () => number) => -Math.log(-Math.log(Math.max(1e-12, r())));
const normal = (r: () => number) =>
  Math.sqrt(-2 * Math.log(Math.max(1e-12, r()))) * Math.cos(2 * Math.PI * r());

/** How many want to come on a day, before prices: the calendar's effects on 1,700 a plain working day. */
function desire(date: string, r: () => number): number {
  const k = dayKind(date);
  let x = 1700;
  if (isPublicHoliday(k)) x *= 2.6;
  else if (k.dayOff) x *= 1.7;
  if (k.schoolHoliday) x *= 1.3;
  return Math.round(x * Math.exp(0.15 * normal(r)));
}

interface Visitor {
  lead: number;
  want: number;
  /** one draw per slot and one for staying home */
  noise: number[];
}

/** The visitors of each day by the lead they book at (the same for every policy). */
function visitorsOf(dates: readonly string[], seed: number): Map<string, Visitor[][]> {
  const r = rng(seed);
  const out = new Map<string, Visitor[][]>();
  for (const date of dates) {
    const holiday = isPublicHoliday(dayKind(date));
    const tau = holiday ? 10 : 4;
    const n = desire(date, r);
    const vs: Visitor[] = [];
    for (let i = 0; i < n; i++) {
      let u = r();
      let want = 0;
      while (want < WANT.length - 1 && u > WANT[want]!) u -= WANT[want++]!;
      vs.push({
        lead: Math.min(MAX_LEAD, Math.floor(-tau * Math.log(Math.max(1e-12, r())))),
        want,
        noise: Array.from({ length: SLOTS.length + 1 }, () => gumbel(r)),
      });
    }
    out.set(
      date,
      Array.from({ length: MAX_LEAD + 1 }, (_, lead) => vs.filter((v) => v.lead === lead)),
    );
  }
  return out;
}

/** A slot-day's state in a run. */
interface Books {
  booked: number[];
  byLead: Map<number, number>[];
  revenue: number;
}

/** Where a visitor goes (slot index) or -1 (stays home), at these unit prices. */
function choose(v: Visitor, prices: readonly number[], booked: readonly number[]): number {
  let best = -1;
  let bestU = TASTE.stayHome + v.noise[SLOTS.length]!;
  for (let s = 0; s < SLOTS.length; s++) {
    if (booked[s]! >= CAPACITY) continue;
    const load = booked[s]! / CAPACITY;
    const u =
      -TASTE.hour * Math.abs(s - v.want) -
      TASTE.price * (prices[s]! / BASE_PRICE - 1) -
      TASTE.crowd * Math.max(0, load - 0.6) +
      v.noise[s]!;
    if (u > bestU) {
      bestU = u;
      best = s;
    }
  }
  return best;
}

type Pricer = (date: string, today: string, books: Books) => number[];
const staticPrices: Pricer = () => SLOTS.map(() => BASE_PRICE);

/**
 * Plays bookings day by day: on each day, every visitor whose lead makes it their booking
 * day books (or not) at the prices `pricer` gives for the target day as things stand.
 */
function play(
  dates: readonly string[],
  visitors: Map<string, Visitor[][]>,
  pricer: Pricer,
  onDay?: (today: string, books: Map<string, Books>) => void,
) {
  const books = new Map<string, Books>();
  for (const d of dates)
    books.set(d, {
      booked: SLOTS.map(() => 0),
      byLead: SLOTS.map(() => new Map<number, number>()),
      revenue: 0,
    });
  const first = addDays(dates[0]!, -MAX_LEAD);
  const days = dates.length + MAX_LEAD;
  for (let i = 0; i < days; i++) {
    const today = addDays(first, i);
    onDay?.(today, books);
    for (let lead = MAX_LEAD; lead >= 0; lead--) {
      const date = addDays(today, lead);
      const b = books.get(date);
      if (!b) continue;
      const prices = pricer(date, today, b);
      for (const v of visitors.get(date)![lead]!) {
        const s = choose(v, prices, b.booked);
        if (s < 0) continue;
        b.booked[s]!++;
        b.byLead[s]!.set(lead, (b.byLead[s]!.get(lead) ?? 0) + 1);
        b.revenue += prices[s]!;
      }
    }
  }
  return books;
}

const toHistory = (books: Map<string, Books>): PastSlot[] =>
  [...books].flatMap(([date, b]) =>
    SLOTS.map((slotId, s) => ({ date, slotId, visitors: b.booked[s]!, byLead: [...b.byLead[s]!] })),
  );

interface Outcome {
  revenueYuan: number;
  visitors: number;
  stayedHome: number;
  peakShare: number;
  daysAtRed: number;
  slotDaysAtRed: number;
}

function outcome(books: Map<string, Books>, wanted: number): Outcome {
  let revenue = 0;
  let visitors = 0;
  let peak = 0;
  let daysAtRed = 0;
  let slotDaysAtRed = 0;
  for (const b of books.values()) {
    revenue += b.revenue;
    const red = b.booked.filter((x) => x >= RED * CAPACITY).length;
    slotDaysAtRed += red;
    if (red) daysAtRed++;
    b.booked.forEach((x, s) => {
      visitors += x;
      if (PEAK.has(SLOTS[s]!)) peak += x;
    });
  }
  return {
    revenueYuan: Math.round(revenue / 100),
    visitors,
    stayedHome: wanted - visitors,
    peakShare: Math.round((1000 * peak) / visitors) / 10,
    daysAtRed,
    slotDaysAtRed,
  };
}

/** The seasonal-naive forecast's error: each slot-day as the same slot a week before. */
function naiveMape(all: readonly PastSlot[], dates: readonly string[]): number {
  const by = new Map(all.map((p) => [`${p.date}/${p.slotId}`, p.visitors]));
  let pct = 0;
  let n = 0;
  for (const date of dates)
    for (const slotId of SLOTS) {
      const actual = by.get(`${date}/${slotId}`)!;
      const before = by.get(`${addDays(date, -7)}/${slotId}`);
      if (before === undefined || actual === 0) continue;
      pct += Math.abs(before - actual) / actual;
      n++;
    }
  return Math.round((1000 * pct) / n) / 10;
}

/** A season at the forecast's prices within `bounds`: the model refitted weekly on all seen so far, factors re-forecast daily. */
function dynamicRun(
  history: readonly PastSlot[],
  seasonDates: readonly string[],
  season: Map<string, Visitor[][]>,
  bounds: DynamicBounds,
) {
  // the dynamic run: the model refitted weekly on all seen so far, factors re-forecast daily
  let model: FittedModel = fitModel(history);
  let fitted = SEASON_FROM;
  const factorsToday = new Map<string, number[]>();
  const forecastAt7: { date: string; s: number; visitors: number }[] = [];
  const dynPricer: Pricer = (date, today, b) => {
    const key = `${today}|${date}`;
    let prices = factorsToday.get(key);
    if (!prices) {
      const lead = Math.round((Date.parse(date) - Date.parse(today)) / 86_400_000);
      prices = SLOTS.map((slotId, s) => {
        const f = forecastSlot(model, { date, slotId, leadDays: lead, booked: b.booked[s]! });
        if (lead === 7) forecastAt7.push({ date, s, visitors: f.visitors });
        const step = dynamicStep(BASE_PRICE, bounds, factorForLoad(f.visitors / CAPACITY));
        return step?.unitPrice ?? BASE_PRICE;
      });
      factorsToday.set(key, prices);
    }
    return prices;
  };
  const books = play(seasonDates, season, dynPricer, (today, books) => {
    factorsToday.clear();
    // the season's finished days join the history the model learns from, weekly
    if (today >= addDays(fitted, 7)) {
      fitted = today;
      const done = new Map([...books].filter(([d]) => d < today));
      model = fitModel([...history, ...toHistory(done)]);
    }
  });
  return { books, forecastAt7 };
}

function runSeed(seed: number) {
  const historyDates = Array.from({ length: 365 }, (_, i) => addDays(HISTORY_FROM, i));
  const seasonDates = Array.from({ length: SEASON_DAYS }, (_, i) => addDays(SEASON_FROM, i));
  const history = toHistory(play(historyDates, visitorsOf(historyDates, seed * 7919), staticPrices));
  const season = visitorsOf(seasonDates, seed);
  const wanted = [...season.values()].reduce((s, byLead) => s + byLead.flat().length, 0);

  const fixed = play(seasonDates, season, staticPrices);

  const dyn = dynamicRun(history, seasonDates, season, BOUNDS);
  const dynamic = dyn.books;
  const forecastAt7 = dyn.forecastAt7;
  const aboveBase = dynamicRun(history, seasonDates, season, { ...BOUNDS, floor: BASE_PRICE }).books;
  const seasonStatic = toHistory(fixed);
  const all = [...history, ...seasonStatic];
  const errors: Record<string, BacktestResult> = {};
  for (const lead of [1, 7, 14]) errors[`lead${lead}`] = backtest(all, { days: SEASON_DAYS, leadDays: lead });
  const dynActual = new Map(toHistory(dynamic).map((p) => [`${p.date}/${p.slotId}`, p.visitors]));
  let pct = 0;
  let n = 0;
  for (const f of forecastAt7) {
    const a = dynActual.get(`${f.date}/${SLOTS[f.s]}`)!;
    if (!a) continue;
    pct += Math.abs(f.visitors - a) / a;
    n++;
  }
  return {
    seed,
    wanted,
    fixed: outcome(fixed, wanted),
    dynamic: outcome(dynamic, wanted),
    dynamicAboveBase: outcome(aboveBase, wanted),
    error: errors,
    naiveMape: naiveMape(all, seasonDates),
    pricedWithMape7: Math.round((1000 * pct) / n) / 10,
  };
}

const seeds = Array.from({ length: opt('seeds', 1) }, (_, i) => opt('seed', 1) + i);
const t0 = performance.now();
const runs = seeds.map(runSeed);
const seconds = Math.round((performance.now() - t0) / 100) / 10;

for (const r of runs) {
  say(`seed ${r.seed}: ${r.wanted} visitors wanted to come over ${SEASON_DAYS} days (${SEASON_FROM} …)`);
  say('policy   revenue (yuan)  visitors  stayed home  peak 10–14  days at red  slot-days at red');
  for (const [name, o] of [
    ['static', r.fixed],
    ['dynamic', r.dynamic],
    ['≥ base', r.dynamicAboveBase],
  ] as const)
    say(
      `${name.padEnd(8)} ${String(o.revenueYuan).padStart(14)}  ${String(o.visitors).padStart(8)}  ${String(o.stayedHome).padStart(11)}  ${`${o.peakShare} %`.padStart(10)}  ${String(o.daysAtRed).padStart(11)}  ${String(o.slotDaysAtRed).padStart(16)}`,
    );
  say(
    `forecast error over the season (backtest, rolling origin): MAPE ${r.error.lead1!.mape} % / ${r.error.lead7!.mape} % / ${r.error.lead14!.mape} % at 1 / 7 / 14 days ahead (MAE ${r.error.lead7!.mae} visitors a slot at 7); seasonal naive ${r.naiveMape} %; the 7-day forecasts the dynamic run priced with: ${r.pricedWithMape7} %`,
  );
}
say(`${seconds} s`);
if (json) console.log(JSON.stringify({ seconds, runs }));
