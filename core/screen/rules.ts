import type { CapacityLevel } from '../inventory/events.js';
import type { FlowPoint } from '../checkin/presence.js';
import type { EntranceFlow, Thresholds } from './model.js';

/**
 * The level of `used` against `capacity` by the area's threshold percentages, with the
 * same arithmetic as the inventory's day level (`limitsOf`: floor of capacity × pct / 100,
 * a level reached at its limit). No capacity: green.
 */
export function levelOf(used: number, capacity: number, t: Thresholds): CapacityLevel {
  if (capacity <= 0) return 'green';
  const at = (pct: number) => Math.floor((capacity * pct) / 100);
  if (used >= at(t.red)) return 'red';
  if (used >= at(t.orange)) return 'orange';
  if (used >= at(t.yellow)) return 'yellow';
  return 'green';
}

/** Whole percent of `used` in `capacity`, 0 when there is no capacity. */
export function percentOf(used: number, capacity: number): number {
  return capacity > 0 ? Math.round((100 * used) / capacity) : 0;
}

/** Start of the minute of `at`, UTC. */
export const minuteOf = (at: Date): Date => new Date(Math.floor(at.getTime() / 60_000) * 60_000);

/**
 * Per entrance, the `minutes` minutes up to and including the one of `now`, oldest first,
 * zeros where no gate opened. Entrances are those with a point or a total, sorted by id.
 */
export function flowSeries(
  points: readonly FlowPoint[],
  totals: ReadonlyMap<string, { entries: number; exits: number }>,
  now: Date,
  minutes: number,
): EntranceFlow[] {
  const last = minuteOf(now).getTime();
  const slots = Array.from({ length: minutes }, (_, i) => new Date(last - (minutes - 1 - i) * 60_000));
  const ids = [...new Set([...points.map((p) => p.entranceId), ...totals.keys()])].sort();
  return ids.map((entranceId) => {
    const mine = new Map(
      points.filter((p) => p.entranceId === entranceId).map((p) => [new Date(p.minute).getTime(), p]),
    );
    const t = totals.get(entranceId) ?? { entries: 0, exits: 0 };
    return {
      entranceId,
      minutes: slots.map((m) => {
        const p = mine.get(m.getTime());
        return { minute: m.toISOString(), entries: p?.entries ?? 0, exits: p?.exits ?? 0 };
      }),
      entriesToday: t.entries,
      exitsToday: t.exits,
    };
  });
}
