import type { CapacityLevel } from '../inventory/events.js';
import type { Thresholds } from '../screen/model.js';
import { levelOf } from '../screen/rules.js';
import {
  DEFAULT_WORDS,
  type DiversionDeclaration,
  type DiversionState,
  type FlapControl,
  type ZoneReading,
} from './model.js';

/**
 * A zone's level: the area's threshold model (70/85/100 % by default) against the zone's
 * instantaneous capacity, with the very arithmetic of the area's own level (`levelOf`).
 */
export const zoneLevel = (inZone: number, capacity: number, t: Thresholds): CapacityLevel =>
  levelOf(inZone, capacity, t);

/** The flap control of an area: diversion starts at `divertAt`'s percent and ends `hysteresisPct` under it. */
export function flapControl(d: DiversionDeclaration, t: Thresholds): FlapControl {
  const enterPct = t[d.divertAt];
  return {
    enterPct,
    exitPct: Math.max(0, enterPct - d.hysteresisPct),
    minHoldMs: d.minHoldSeconds * 1000,
  };
}

/** A zone is at or over `pct` of its capacity by the level arithmetic (floor of the limit). */
const atOrOver = (z: Pick<ZoneReading, 'inZone' | 'capacity'>, pct: number) =>
  z.capacity > 0 && z.inZone >= Math.floor((z.capacity * pct) / 100);

/**
 * Where to send a crowded zone's visitors: the first zone its pairs name (in declared
 * order) that is itself under the diversion threshold; null when every one is crowded.
 */
export function targetOf(
  zoneId: string,
  pairs: DiversionDeclaration['pairs'],
  readings: ReadonlyMap<string, ZoneReading>,
  flap: FlapControl,
): string | null {
  for (const p of pairs) {
    if (p.from !== zoneId) continue;
    const to = readings.get(p.to);
    if (to && !atOrOver(to, flap.enterPct)) return p.to;
  }
  return null;
}

export type Decision =
  | { change: 'none' }
  | { change: 'show'; to: string; next: DiversionState }
  | { change: 'clear'; next: DiversionState };

/**
 * The flap control, pure. Diversion starts when the zone reaches `enterPct` and a calm
 * zone to suggest exists; it ends only once the zone is under `exitPct` (hysteresis).
 * No change — start, end, or a new suggestion — happens within `minHoldMs` of the
 * previous one, so a crowd hovering around a threshold does not make the loudspeakers
 * repeat themselves. While diverting with every other zone crowded, the last
 * suggestion stays up.
 */
export function decide(
  state: DiversionState,
  zone: Pick<ZoneReading, 'inZone' | 'capacity'>,
  target: string | null,
  flap: FlapControl,
  now: Date,
): Decision {
  const held = state.since === null || now.getTime() - state.since.getTime() >= flap.minHoldMs;
  if (!held) return { change: 'none' };
  if (!state.diverting) {
    if (target !== null && atOrOver(zone, flap.enterPct))
      return { change: 'show', to: target, next: { diverting: true, targetZoneId: target, since: now } };
    return { change: 'none' };
  }
  if (!atOrOver(zone, flap.exitPct))
    return { change: 'clear', next: { diverting: false, targetZoneId: null, since: now } };
  if (target !== null && target !== state.targetZoneId)
    return { change: 'show', to: target, next: { diverting: true, targetZoneId: target, since: now } };
  return { change: 'none' };
}

/** The words of a message: the pair's own or the defaults, with the zones' names filled in. */
export function wordsOf(
  action: 'show' | 'clear',
  from: Pick<ZoneReading, 'name'>,
  to: Pick<ZoneReading, 'name'> | undefined,
  own: { zh: string; en: string } | undefined,
): { zh: string; en: string } {
  const w = (action === 'show' ? own : undefined) ?? DEFAULT_WORDS[action];
  const fill = (s: string, lang: 'zh' | 'en') =>
    s.replaceAll('{from}', from.name[lang]).replaceAll('{to}', to?.name[lang] ?? '');
  return { zh: fill(w.zh, 'zh'), en: fill(w.en, 'en') };
}

/** How many times a signage message is tried before it is given up (and left `failed`). */
export const SIGNAGE_MAX_ATTEMPTS = 8;

/**
 * When a failed signage delivery is tried again: 5 s after the first failure, doubling,
 * at most 5 minutes apart; null once `attempts` reaches the maximum. A screen that is
 * down for a few minutes still gets the message; one that is gone is not hammered.
 */
export function nextAttemptAt(attempts: number, now: Date): Date | null {
  if (attempts >= SIGNAGE_MAX_ATTEMPTS) return null;
  const delay = Math.min(5_000 * 2 ** Math.max(0, attempts - 1), 300_000);
  return new Date(now.getTime() + delay);
}
