/**
 * Local calendar date and minute of an instant in an area's time zone. Gates and the
 * API both decide "is this ticket valid now" in the area's local time, never the
 * host's, so a gate whose node runs in UTC still admits the 09:00 slot at 09:00.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export interface LocalTime {
  /** YYYY-MM-DD */
  date: string;
  /** Minutes after local midnight. */
  minute: number;
}

const lastByZone = new Map<string, { minuteMs: number; value: LocalTime }>();

export function localTime(at: Date, timeZone: string): LocalTime {
  // Zone offsets are whole minutes: within one UTC minute the answer cannot change, and
  // a gate asks many times a minute, so the last answer per zone is kept.
  const minuteMs = Math.floor(at.getTime() / 60_000);
  const last = lastByZone.get(timeZone);
  if (last && last.minuteMs === minuteMs) return { ...last.value };
  const value = compute(at, timeZone);
  lastByZone.set(timeZone, { minuteMs, value });
  return { ...value };
}

function compute(at: Date, timeZone: string): LocalTime {
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(at)) parts[p.type] = p.value;
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    minute: Number(parts.hour) * 60 + Number(parts.minute),
  };
}

/** "HH:MM" → minutes after midnight. */
export function hhmmToMinutes(s: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(s.trim());
  if (!m) throw new Error(`not a HH:MM time: ${s}`);
  return Number(m[1]) * 60 + Number(m[2]);
}
