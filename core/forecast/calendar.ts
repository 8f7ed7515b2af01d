import chineseDays from 'chinese-days';
import { addDays } from '../time.js';

/**
 * What kind of day a visit date is in mainland China, from a maintained calendar
 * (`chinese-days`, docs/adr/0013): the State Council's public holidays with their
 * make-up working days (调休), and the lunar calendar. No date is listed by hand here.
 *
 * School holidays are not decreed nationally (each province publishes its own), so they
 * follow the Ministry of Education's standing pattern: the winter break around the Spring
 * Festival (lunar new year, from the package's lunar calendar) and the summer break in
 * July and August. An area whose province differs declares nothing yet: the forecast
 * learns how much a school-holiday day adds from the area's own history, so a wrong
 * edge costs a few days of accuracy, not a wrong price rule.
 */
export interface DayKind {
  date: string;
  /** 0 = Sunday … 6 = Saturday */
  weekday: number;
  /** a day off: a public holiday or an ordinary weekend day (not a make-up working day) */
  dayOff: boolean;
  /** the public holiday it belongs to (`National Day`), also on its make-up working days */
  holiday: string | null;
  /** a weekend day turned into a working day to bridge a holiday (调休上班) */
  makeUpWorkday: boolean;
  schoolHoliday: boolean;
}

/** Days of the winter break before and after the lunar new year's day. */
export const WINTER_BREAK = { before: 21, after: 17 } as const;
/** The summer break, month-day, inclusive. */
export const SUMMER_BREAK = { from: '07-05', to: '08-31' } as const;

const weekdayOf = (date: string) => new Date(`${date}T00:00:00Z`).getUTCDay();

/** The lunar new year's day (Spring Festival) of a Gregorian year, as YYYY-MM-DD. */
export function springFestival(year: number): string {
  return chineseDays.getSolarDateFromLunar(`${year}-01-01`).date;
}

/** Pure over the package's data: whether a date falls in the school holidays. */
export function isSchoolHoliday(date: string): boolean {
  const md = date.slice(5);
  if (md >= SUMMER_BREAK.from && md <= SUMMER_BREAK.to) return true;
  const year = Number(date.slice(0, 4));
  // the winter break of a January date may belong to this year's or next year's festival
  for (const y of [year, year + 1]) {
    const sf = springFestival(y);
    if (date >= addDays(sf, -WINTER_BREAK.before) && date <= addDays(sf, WINTER_BREAK.after)) return true;
  }
  return false;
}

/**
 * Kinds already worked out: a date's kind never changes within a release of the calendar,
 * and a refresh or a backtest asks for the same few hundred dates thousands of times.
 * Bounded, so a process asked about arbitrary dates does not grow without end.
 */
const known = new Map<string, DayKind>();
const KNOWN_MAX = 5000;

/** The kind of a visit date (YYYY-MM-DD). */
export function dayKind(date: string): DayKind {
  const hit = known.get(date);
  if (hit) return hit;
  if (known.size >= KNOWN_MAX) known.clear();
  const kind = computeDayKind(date);
  known.set(date, Object.freeze(kind));
  return kind;
}

function computeDayKind(date: string): DayKind {
  const weekday = weekdayOf(date);
  const detail = chineseDays.getDayDetail(date);
  // the package names a holiday `English,中文,days`; an ordinary day by its weekday name
  const named = detail.name.includes(',') ? detail.name.split(',')[0]! : null;
  const weekend = weekday === 0 || weekday === 6;
  return {
    date,
    weekday,
    dayOff: !detail.work,
    holiday: named,
    makeUpWorkday: weekend && detail.work,
    schoolHoliday: isSchoolHoliday(date),
  };
}

/** A public holiday day off (not a plain weekend, not a make-up working day). */
export const isPublicHoliday = (k: DayKind) => k.holiday !== null && k.dayOff;
