import type { Platform } from '../core/platform.js';
import { evaluateZones, retryZoneMessages } from '../core/zones/evaluate.js';
import { httpSignage, type SignageSender } from '../core/zones/signage.js';
import { areasWithZones } from '../core/zones/store.js';

export interface ZoneWatchOptions {
  /** how often every area's zones are evaluated (default SCENIC_ZONES_EVERY_MS) */
  everyMs?: number;
  /** where messages go (default: the generic HTTP adapter, signed with SCENIC_SIGNAGE_SECRET) */
  signage?: SignageSender;
}

/**
 * The zone diversion loop (issue 21): every `everyMs`, each area with zones is evaluated
 * (core/zones/evaluate.ts). Gate scans and sensor reports only write counts; this loop
 * turns counts into levels and messages. Several worker replicas may run it: the
 * evaluation holds the zones' state rows, so each change is decided and sent once.
 */
export function startZoneWatch(p: Platform, o: ZoneWatchOptions = {}): { close(): Promise<void> } {
  const signage =
    o.signage ?? httpSignage({ secret: p.cfg.SCENIC_SIGNAGE_SECRET, nowMs: () => p.clock.now().getTime() });
  const every = o.everyMs ?? p.cfg.SCENIC_ZONES_EVERY_MS;
  const d = { db: p.db, clock: p.clock, log: p.log, signage };
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      try {
        for (const areaId of await areasWithZones(p.db)) {
          await evaluateZones(d, areaId);
          await retryZoneMessages(d, areaId);
        }
      } catch (e) {
        p.log.warn({ err: e }, 'zone evaluation failed');
      }
      if (!stopped) await new Promise((r) => setTimeout(r, every));
    }
  })();
  return {
    async close() {
      stopped = true;
      await loop;
    },
  };
}
