/**
 * Beijing time for the providers' wire formats. Both providers speak China Standard Time
 * (UTC+8; China has kept no daylight saving since 1991), so a fixed offset is exact here.
 * An area's own time zone is core/time.ts's business, not this file's.
 */
const OFFSET_MS = 8 * 3600_000;

function parts(at: Date) {
  const d = new Date(at.getTime() + OFFSET_MS);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return {
    date: `${p(d.getUTCFullYear(), 4)}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}`,
    time: `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`,
  };
}

/** "2026-12-01T18:30:00+08:00" (WeChat `time_expire`, `success_time`). */
export function toRfc3339Beijing(at: Date): string {
  const { date, time } = parts(at);
  return `${date}T${time}+08:00`;
}

/** "2026-12-01 18:30:00" (Alipay `timestamp`, `time_expire`, `gmt_payment`; both providers' bills). */
export function toBeijingDateTime(at: Date): string {
  const { date, time } = parts(at);
  return `${date} ${time}`;
}

/** "2026-12-01": the provider-day an instant belongs to. */
export const beijingDate = (at: Date): string => parts(at).date;

/** Parses "yyyy-MM-dd HH:mm:ss" (Alipay's `gmt_refund` adds ".SSS") as Beijing time; null when malformed. */
export function parseBeijingDateTime(text: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(\.\d{1,3})?$/.exec(text.trim());
  if (!m) return null;
  const at = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${m[7] ?? ''}+08:00`);
  return Number.isNaN(at.getTime()) ? null : at;
}

/** Parses an RFC 3339 instant with an explicit offset; null when malformed. */
export function parseRfc3339(text: string): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(text)) return null;
  const at = new Date(text);
  return Number.isNaN(at.getTime()) ? null : at;
}

/** The [start, end) instants of a provider-day. */
export function beijingDayBounds(date: string): { start: Date; end: Date } {
  const start = new Date(`${date}T00:00:00+08:00`);
  return { start, end: new Date(start.getTime() + 86_400_000) };
}
