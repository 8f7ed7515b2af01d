import type { LevelChangeEvent } from '../../core/inventory/events.js';
import type { LevelStatus } from '../api/types.js';
import { levelRank } from '../switches/channels.js';

const MAX_DAYS = 400;

/**
 * The area's per-day levels after one event, or undefined when it changes nothing: an
 * event older than what is recorded for its day (pub/sub may reorder across reconnects)
 * or for a day already past is ignored. Past days are dropped; days stay sorted.
 */
export function mergeLevel(
  levels: LevelStatus[],
  e: LevelChangeEvent,
  today: string,
): LevelStatus[] | undefined {
  if (e.date < today) return undefined;
  const existing = levels.find((l) => l.date === e.date);
  if (existing?.since && Date.parse(existing.since) > e.at) return undefined;
  if (existing && existing.level === e.level && existing.used === e.used) return undefined;
  const entry: LevelStatus = {
    date: e.date,
    level: e.level,
    used: e.used,
    capacity: e.capacity,
    since: new Date(e.at).toISOString(),
  };
  return [...levels.filter((l) => l.date !== e.date && l.date >= today), entry]
    .sort((x, y) => x.date.localeCompare(y.date))
    .slice(0, MAX_DAYS);
}

export type LevelDirection = 'raised' | 'lowered';
export const directionOf = (e: LevelChangeEvent): LevelDirection =>
  levelRank(e.level) > levelRank(e.previous) ? 'raised' : 'lowered';
