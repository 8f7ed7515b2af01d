import { describe, expect, it } from 'vitest';
import { addDays } from '../time.js';
import { backtest } from './backtest.js';
import { dayKind, isPublicHoliday, isSchoolHoliday, springFestival } from './calendar.js';
import { DEFAULT_FACTOR_CURVE, factorForLoad } from './factor.js';
import { bookedBy, fitModel, forecastSlot, PRIORS, type PastSlot } from './model.js';
import { dynamicStep } from '../pricing/dynamic.js';

/**
 * Issue 22, crowd forecast: the calendar comes from the maintained package (golden weeks
 * and their make-up working days, 调休), the model learns each effect from history and
 * explains its number, the booking curve moves a forecast with the pace of bookings, the
 * backtest reports the error without seeing the day it forecasts, and the price stays
 * inside the product's floor and ceiling.
 */

/** Deterministic noise in [-1, 1): a hash of the date and slot (no state, no seed to pass around). */
const wobble = (date: string, slot: string) => {
  let h = 2166136261;
  for (const c of `${date}/${slot}`) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return ((h >>> 0) % 20000) / 10000 - 1;
};

/** What a synthetic area really draws: 100 a slot on a plain working day, weekends ×1.5, public holidays ×2.5, school holidays ×1.2. */
const TRUTH = { plain: 100, weekend: 1.5, publicHoliday: 2.5, schoolHoliday: 1.2 } as const;
const SLOTS = ['0900', '1100', '1400'];
const SLOT_SHARE: Record<string, number> = { '0900': 0.8, '1100': 1.4, '1400': 0.8 };

function truth(date: string, slot: string): number {
  const k = dayKind(date);
  let x = TRUTH.plain * SLOT_SHARE[slot]!;
  if (isPublicHoliday(k)) x *= TRUTH.publicHoliday;
  else if (k.dayOff) x *= TRUTH.weekend;
  if (k.schoolHoliday) x *= TRUTH.schoolHoliday;
  return x;
}

/** A year of history: each slot-day's count (± `noise`), half of it booked 7+ days ahead, a quarter 1–6 days, the rest on the day. */
function history(from: string, days: number, noise: number): PastSlot[] {
  const out: PastSlot[] = [];
  for (let i = 0; i < days; i++) {
    const date = addDays(from, i);
    for (const slotId of SLOTS) {
      const visitors = Math.round(truth(date, slotId) * (1 + noise * wobble(date, slotId)));
      const early = Math.round(visitors * 0.5);
      const mid = Math.round(visitors * 0.25);
      out.push({
        date,
        slotId,
        visitors,
        byLead: [
          [10, early],
          [3, mid],
          [0, visitors - early - mid],
        ],
      });
    }
  }
  return out;
}

describe('the calendar (chinese-days, not a hand list)', () => {
  it('knows the National Day golden week 2026 as public holidays, weekday or weekend', () => {
    for (let d = 1; d <= 7; d++) {
      const k = dayKind(`2026-10-0${d}`);
      expect(k, k.date).toMatchObject({ holiday: 'National Day', dayOff: true, makeUpWorkday: false });
      expect(isPublicHoliday(k)).toBe(true);
    }
    expect(dayKind('2026-10-08')).toMatchObject({ holiday: null, dayOff: false });
  });

  it('knows a 调休 Saturday (2026-10-10) is a working day that belongs to National Day, not a day off', () => {
    const sat = dayKind('2026-10-10');
    expect(sat).toMatchObject({ weekday: 6, dayOff: false, makeUpWorkday: true, holiday: 'National Day' });
    expect(isPublicHoliday(sat)).toBe(false);
    // and the make-up Sunday before the holiday, while the next Sunday is an ordinary day off
    expect(dayKind('2026-09-20')).toMatchObject({ weekday: 0, makeUpWorkday: true, dayOff: false });
    expect(dayKind('2026-10-11')).toMatchObject({
      weekday: 0,
      makeUpWorkday: false,
      dayOff: true,
      holiday: null,
    });
  });

  it('puts the winter school break around the lunar new year and the summer break in July–August', () => {
    expect(springFestival(2026)).toBe('2026-02-17');
    expect(dayKind('2026-02-17')).toMatchObject({ holiday: 'Spring Festival', dayOff: true });
    expect(isSchoolHoliday('2026-02-01')).toBe(true);
    expect(isSchoolHoliday('2026-03-16')).toBe(false);
    expect(isSchoolHoliday('2026-07-20')).toBe(true);
    expect(isSchoolHoliday('2026-09-08')).toBe(false);
  });
});

describe('the model learns the calendar effects from history and explains its number', () => {
  const past = history('2025-06-01', 365, 0.1);
  const model = fitModel(past);

  it('learns the weekend, public-holiday and school-holiday effects near the truth (shrunk toward the priors)', () => {
    expect(model.weekday[6]).toBeGreaterThan(1.35);
    expect(model.weekday[6]).toBeLessThan(1.6);
    expect(model.weekday[3]).toBeCloseTo(1, 1);
    expect(model.publicHoliday).toBeGreaterThan(2.2);
    expect(model.publicHoliday).toBeLessThan(2.7);
    expect(model.publicHoliday).not.toBeCloseTo(PRIORS.publicHoliday, 1);
    expect(model.schoolHoliday).toBeGreaterThan(1.1);
    expect(model.schoolHoliday).toBeLessThan(1.3);
  });

  it('forecasts a golden-week Saturday as a holiday (not Saturday × holiday), and says why', () => {
    const f = forecastSlot(model, { date: '2026-10-03', slotId: '1100', leadDays: 30, booked: 0 });
    expect(f.visitors).toBeGreaterThan(truth('2026-10-03', '1100') * 0.85);
    expect(f.visitors).toBeLessThan(truth('2026-10-03', '1100') * 1.15);
    expect(f.factors.map((x) => x.name)).toEqual(['base', 'public_holiday']);
    expect(f.factors[1]!.note).toBe('National Day');
  });

  it('forecasts the 调休 Saturday as a working day, well below an ordinary Saturday', () => {
    const makeUp = forecastSlot(model, { date: '2026-10-10', slotId: '1100', leadDays: 30, booked: 0 });
    const saturday = forecastSlot(model, { date: '2026-10-17', slotId: '1100', leadDays: 30, booked: 0 });
    expect(makeUp.visitors).toBeGreaterThan(truth('2026-10-10', '1100') * 0.85);
    expect(makeUp.visitors).toBeLessThan(truth('2026-10-10', '1100') * 1.15);
    expect(saturday.visitors).toBeGreaterThan(makeUp.visitors * 1.3);
    expect(makeUp.factors.find((x) => x.name === 'weekday')!.note).toBe(
      'make-up working day for National Day',
    );
  });

  it('learns the booking curve: the share of the final count booked by each lead', () => {
    expect(model.curve[0]).toBeCloseTo(1, 2);
    expect(model.curve[3]).toBeCloseTo(0.75, 1);
    expect(model.curve[7]).toBeCloseTo(0.5, 1);
    expect(model.curve[20]).toBe(0);
  });

  it('moves a forecast with the pace of bookings: twice the usual bookings a week ahead → well above the calendar’s number', () => {
    const date = '2026-11-11'; // a plain Wednesday
    const usual = forecastSlot(model, { date, slotId: '1100', leadDays: 7, booked: 70 });
    const busy = forecastSlot(model, { date, slotId: '1100', leadDays: 7, booked: 140 });
    expect(usual.visitors).toBeGreaterThan(125);
    expect(usual.visitors).toBeLessThan(155);
    expect(busy.visitors).toBeGreaterThan(usual.visitors + 50);
    expect(busy.factors.at(-1)).toMatchObject({ name: 'booking_curve' });
    // beyond the curve's reach (nothing is usually booked 20 days ahead) the calendar alone speaks
    const far = forecastSlot(model, { date, slotId: '1100', leadDays: 20, booked: 140 });
    expect(far.factors.map((x) => x.name)).not.toContain('booking_curve');
    expect(far.visitors).toBeGreaterThanOrEqual(140); // never fewer than already booked
  });

  it('counts bookings by lead as the curve needs them', () => {
    const p: PastSlot = {
      date: '2026-01-01',
      slotId: 'x',
      visitors: 10,
      byLead: [
        [10, 5],
        [3, 3],
        [0, 2],
      ],
    };
    expect([bookedBy(p, 0), bookedBy(p, 3), bookedBy(p, 7), bookedBy(p, 11)]).toEqual([10, 8, 5, 0]);
  });
});

describe('the backtest reports the forecast error without seeing the day it forecasts', () => {
  it('is small on regular history, and grows with the noise', () => {
    const quiet = backtest(history('2025-06-01', 400, 0.02), { days: 28, leadDays: 7 });
    const noisy = backtest(history('2025-06-01', 400, 0.3), { days: 28, leadDays: 7 });
    expect(quiet.points).toBe(28 * SLOTS.length);
    expect(quiet.mape).toBeLessThan(6);
    expect(noisy.mape).toBeGreaterThan(quiet.mape * 2);
  });

  it('is better a day ahead than three weeks ahead: the booking curve carries the day’s own noise', () => {
    const past = history('2025-06-01', 400, 0.3);
    const near = backtest(past, { days: 28, leadDays: 1 });
    const far = backtest(past, { days: 28, leadDays: 21 });
    expect(near.mape).toBeLessThan(far.mape);
  });

  it('misses a day unlike its history (rolling origin: the outcome is not in the fit)', () => {
    const past = history('2025-06-01', 300, 0.02);
    const last = past.at(-1)!.date;
    const odd = past.map((p) => (p.date === last ? { ...p, visitors: p.visitors * 3, byLead: [] } : p));
    const r = backtest(odd, { days: 1, leadDays: 30 });
    expect(r.points).toBe(SLOTS.length);
    expect(r.mape).toBeGreaterThan(60);
  });
});

describe('the price a factor makes stays within the product’s floor and ceiling', () => {
  const bounds = { enabled: true, floor: 7000, ceiling: 11000 };

  it('turns expected load into a factor: quiet cheaper, crowded dearer, in steps', () => {
    expect(factorForLoad(0)).toBe(8500);
    expect(factorForLoad(0.75)).toBe(10000);
    expect(factorForLoad(2)).toBe(13000);
    const mid = factorForLoad(0.9);
    expect(mid).toBeGreaterThan(10000);
    expect(mid % DEFAULT_FACTOR_CURVE.stepBps).toBe(0);
  });

  it('holds base × factor between floor and ceiling, and leaves a product without bounds alone', () => {
    expect(dynamicStep(10000, bounds, 12000)!.unitPrice).toBe(11000); // ceiling
    expect(dynamicStep(10000, bounds, 5000)!.unitPrice).toBe(7000); // floor
    expect(dynamicStep(10000, bounds, 9000)!.unitPrice).toBe(9000);
    expect(dynamicStep(10000, { ...bounds, enabled: false }, 12000)).toBeUndefined();
    expect(dynamicStep(10000, null, 12000)).toBeUndefined();
    expect(dynamicStep(10000, bounds, undefined)).toBeUndefined();
  });
});
