/** Calendar days and wall-clock times of a time zone as UTC instants (no library needed). */
const formatters = new Map<string, Intl.DateTimeFormat>();

/** Offset of a time zone from UTC at an instant, in ms (east positive). */
export function offsetMs(timeZone: string, at: number): number {
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
  const p = Object.fromEntries(f.formatToParts(new Date(at)).map((x) => [x.type, x.value]));
  const asUtc = Date.UTC(
    Number(p.year),
    Number(p.month) - 1,
    Number(p.day),
    Number(p.hour),
    Number(p.minute),
    Number(p.second),
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
  const next = new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  return { from: zonedInstant(date, '00:00', timeZone), to: zonedInstant(next, '00:00', timeZone) };
}

/** ISO 8601 local date-time with its offset, e.g. `2026-05-01T09:00:00+08:00`. */
export function localDateTime(date: string, hhmm: string, timeZone: string): string {
  const at = zonedInstant(date, hhmm, timeZone).getTime();
  const off = offsetMs(timeZone, at) / 60_000;
  const sign = off < 0 ? '-' : '+';
  const abs = Math.abs(off);
  return `${date}T${hhmm}:00${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}
