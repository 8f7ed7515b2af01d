/**
 * Time zones, in one place. Visit dates are calendar dates of the area's zone and slots
 * are its wall-clock times; gates, the API, settlement (a partner's zone) and the
 * operator ("today" of an area) all decide in the zone's local time, never the host's,
 * so a node running in UTC still admits the 09:00 slot at 09:00. Intl does the zone
 * arithmetic (no library); one formatter per zone is kept.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

/** Throws RangeError for an unknown zone (callers validate zones with it). */
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

interface WallClock {
  year: string;
  month: string;
  day: string;
  hour: string;
  minute: string;
  second: string;
}

function wallClock(at: Date | number, timeZone: string): WallClock {
  const p: Record<string, string> = {};
  for (const x of formatter(timeZone).formatToParts(at)) p[x.type] = x.value;
  return {
    year: p.year!,
    month: p.month!,
    day: p.day!,
    hour: p.hour!,
    minute: p.minute!,
    second: p.second!,
  };
}

const dateOf = (w: WallClock) => `${w.year}-${w.month}-${w.day}`;

/** Wall-clock date (YYYY-MM-DD) and time (HH:MM) of an instant in a zone. */
export function localParts(at: Date, timeZone: string): { date: string; time: string } {
  const w = wallClock(at, timeZone);
  return { date: dateOf(w), time: `${w.hour}:${w.minute}` };
}

/** YYYY-MM-DD of an instant in a zone. Throws RangeError on an unknown zone. */
export const localDate = (at: Date, timeZone: string): string => dateOf(wallClock(at, timeZone));

export interface LocalTime {
  /** YYYY-MM-DD */
  date: string;
  /** Minutes after local midnight. */
  minute: number;
}

const lastByZone = new Map<string, { minuteMs: number; value: LocalTime }>();

/** Local date and minute of the day (the check-in rules' clock). */
export function localTime(at: Date, timeZone: string): LocalTime {
  // Zone offsets are whole minutes: within one UTC minute the answer cannot change, and
  // a gate asks many times a minute, so the last answer per zone is kept.
  const minuteMs = Math.floor(at.getTime() / 60_000);
  const last = lastByZone.get(timeZone);
  if (last && last.minuteMs === minuteMs) return { ...last.value };
  const w = wallClock(at, timeZone);
  const value = { date: dateOf(w), minute: Number(w.hour) * 60 + Number(w.minute) };
  lastByZone.set(timeZone, { minuteMs, value });
  return { ...value };
}

/** Offset of a time zone from UTC at an instant, in ms (east positive). */
export function offsetMs(timeZone: string, at: number): number {
  const w = wallClock(at, timeZone);
  const asUtc = Date.UTC(
    Number(w.year),
    Number(w.month) - 1,
    Number(w.day),
    Number(w.hour),
    Number(w.minute),
    Number(w.second),
  );
  return asUtc - Math.floor(at / 1000) * 1000;
}

/** The instant of a local date and HH:MM in a time zone. */
export function zonedInstant(date: string, hhmm: string, timeZone: string): Date {
  const naive = Date.parse(`${date}T${hhmm}:00Z`);
  let t = naive - offsetMs(timeZone, naive);
  t = naive - offsetMs(timeZone, t);
  return new Date(t);
}

/** The UTC instants a local calendar day of a time zone starts and ends at. */
export function zonedDayRange(date: string, timeZone: string): { from: Date; to: Date } {
  return {
    from: zonedInstant(date, '00:00', timeZone),
    to: zonedInstant(addDays(date, 1), '00:00', timeZone),
  };
}

/** ISO 8601 local date-time with its offset, e.g. `2026-05-01T09:00:00+08:00`. */
export function localDateTime(date: string, hhmm: string, timeZone: string): string {
  const at = zonedInstant(date, hhmm, timeZone).getTime();
  const off = offsetMs(timeZone, at) / 60_000;
  const sign = off < 0 ? '-' : '+';
  const abs = Math.abs(off);
  return `${date}T${hhmm}:00${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/**
 * Milliseconds from `now` until the zone's next local day starts (when "today" changes),
 * at least 1 s. A zone whose clocks jump over midnight starts that day at the jump.
 */
export function msUntilNextLocalDay(now: Date, timeZone: string): number {
  const next = addDays(localDate(now, timeZone), 1);
  let t = zonedInstant(next, '00:00', timeZone).getTime();
  // in a gap at midnight the computed instant is still the old day; offsets change on whole minutes
  while (localDate(new Date(t), timeZone) < next) t += 60_000;
  return Math.max(1_000, t - now.getTime());
}

/** The calendar date `days` after (or before) a YYYY-MM-DD date. */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** The ISO weekday of a YYYY-MM-DD date: 1 = Monday … 7 = Sunday. */
export function isoWeekday(date: string): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay() || 7;
}

/** "HH:MM" → minutes after midnight. */
export function hhmmToMinutes(s: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(s.trim());
  if (!m) throw new Error(`not a HH:MM time: ${s}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** Whether `tz` is an IANA time zone this runtime knows (validating inputs that name one). */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
