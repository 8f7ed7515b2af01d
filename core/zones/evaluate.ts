import type { Knex } from 'knex';
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import type { ZoneMessageRow, ZoneRow, ZoneSettingsRow } from '../db/tables.js';
import { loadScreenArea, type ScreenArea } from '../screen/store.js';
import { localTime } from '../time.js';
import { DiversionDeclaration, type DiversionMessage, type ZoneReading } from './model.js';
import { decide, flapControl, nextAttemptAt, targetOf, wordsOf, zoneLevel } from './rules.js';
import type { SignageSender } from './signage.js';
import {
  claimDueZoneMessages,
  insertZoneMessages,
  loadZoneSettings,
  loadZones,
  lockZoneStates,
  markZoneMessage,
  saveZoneState,
  zoneCounts,
  type NewZoneMessage,
} from './store.js';

export interface ZoneDeps {
  db: Knex;
  clock: Clock;
  log: Logger;
  signage: SignageSender;
}

/** An area's zones as they are now: occupancy and level of each, in declared order. */
export async function readZones(
  db: Knex,
  area: Pick<ScreenArea, 'id' | 'timezone' | 'thresholds'>,
  now: Date,
  zones?: ZoneRow[],
): Promise<ZoneReading[]> {
  const rows = zones ?? (await loadZones(db, area.id));
  if (!rows.length) return [];
  const counts = await zoneCounts(db, area, rows, now, localTime(now, area.timezone).date);
  return rows.map((z) => {
    const inZone = counts.get(z.id) ?? 0;
    return {
      zoneId: z.id,
      name: { zh: z.name_zh, en: z.name_en },
      inZone,
      capacity: z.capacity,
      level: zoneLevel(inZone, z.capacity, area.thresholds),
    };
  });
}

const settingsOf = (s: ZoneSettingsRow | undefined): DiversionDeclaration =>
  s
    ? {
        pairs: s.diversions,
        signage: s.signage,
        divertAt: s.divert_at,
        hysteresisPct: s.hysteresis_pct,
        minHoldSeconds: s.min_hold_seconds,
      }
    : DiversionDeclaration.parse({});

/**
 * One evaluation of an area's zones: reads each zone's occupancy, runs the flap control
 * (core/zones/rules.ts `decide`) against what was decided before, and records every
 * resulting message once per signage endpoint — state and record in one transaction that
 * holds the zones' state rows, so evaluators on several replicas decide each change once.
 * The messages are sent after the commit and marked sent or failed. Returns the records.
 */
export async function evaluateZones(d: ZoneDeps, areaId: string): Promise<ZoneMessageRow[]> {
  const area = await loadScreenArea(d.db, areaId);
  if (!area) return [];
  const now = d.clock.now();
  const created = await d.db.transaction(async (trx) => {
    const zones = await loadZones(trx, areaId);
    if (!zones.length) return [];
    const settings = settingsOf(await loadZoneSettings(trx, areaId));
    const states = await lockZoneStates(
      trx,
      areaId,
      zones.map((z) => z.id),
      now,
    );
    const readings = new Map((await readZones(trx, area, now, zones)).map((r) => [r.zoneId, r]));
    const flap = flapControl(settings, area.thresholds);
    const out: NewZoneMessage[] = [];
    for (const zone of readings.values()) {
      const state = states.get(zone.zoneId)!;
      const target = targetOf(zone.zoneId, settings.pairs, readings, flap);
      const decision = decide(state, zone, target, flap, now);
      if (decision.change === 'none') continue;
      await saveZoneState(trx, areaId, zone.zoneId, decision.next, now);
      const to = decision.change === 'show' ? readings.get(decision.to) : undefined;
      const own = settings.pairs.find((p) => p.from === zone.zoneId && p.to === to?.zoneId)?.message;
      const words = wordsOf(decision.change, zone, to, own);
      d.log.info(
        { areaId, zone: zone.zoneId, to: to?.zoneId, action: decision.change, inZone: zone.inZone },
        'zone diversion changed',
      );
      for (const e of settings.signage)
        out.push({
          area_id: areaId,
          zone_id: zone.zoneId,
          target_zone_id: to?.zoneId ?? null,
          action: decision.change,
          endpoint: e.name,
          kind: e.kind,
          text_zh: words.zh,
          text_en: words.en,
          in_zone: zone.inZone,
          capacity: zone.capacity,
          created_at: now,
        });
    }
    return { rows: await insertZoneMessages(trx, out), readings, settings };
  });
  if (Array.isArray(created)) return [];
  await Promise.all(created.rows.map((m) => deliver(d, m, created.readings, created.settings)));
  return created.rows;
}

async function deliver(
  d: ZoneDeps,
  m: ZoneMessageRow,
  readings: ReadonlyMap<string, ZoneReading>,
  settings: DiversionDeclaration,
): Promise<void> {
  const endpoint = settings.signage.find((e) => e.name === m.endpoint);
  const zone = readings.get(m.zone_id);
  if (!endpoint || !zone) {
    // the declaration dropped the endpoint or the zone since: nothing left to tell it
    await markZoneMessage(d.db, m.id, { error: 'endpoint or zone no longer declared', retryAt: null });
    m.status = 'failed';
    return;
  }
  const to = m.target_zone_id ? readings.get(m.target_zone_id) : undefined;
  const message: DiversionMessage = {
    type: 'scenic.zone.diversion',
    version: 1,
    id: String(m.id),
    action: m.action,
    areaId: m.area_id,
    channel: m.kind,
    zone: { id: zone.zoneId, name: zone.name, inZone: m.in_zone, capacity: m.capacity, level: zone.level },
    to: to ? { id: to.zoneId, name: to.name } : null,
    text: { zh: m.text_zh, en: m.text_en },
    at: m.created_at.toISOString(),
  };
  try {
    await d.signage.send(endpoint, message);
    await markZoneMessage(d.db, m.id, { sentAt: d.clock.now() });
    m.status = 'sent';
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    const retryAt = nextAttemptAt(m.attempts + 1, d.clock.now());
    d.log.warn(
      {
        areaId: m.area_id,
        endpoint: m.endpoint,
        message: m.id,
        attempts: m.attempts + 1,
        retryAt,
        err: error,
      },
      retryAt ? 'signage refused: will retry' : 'signage refused: given up',
    );
    await markZoneMessage(d.db, m.id, { error, retryAt });
    m.status = 'failed';
    m.next_attempt_at = retryAt;
  }
  m.attempts += 1;
}

/** How long a claimed retry is held before another loop may take it (a delivery times out well before). */
const RETRY_LEASE_MS = 60_000;

/**
 * Tries an area's failed signage messages again once their backoff is over
 * (`rules.ts nextAttemptAt`), with the zones as they are now; each try is recorded
 * (attempts, last error, next attempt). Returns the messages tried.
 */
export async function retryZoneMessages(d: ZoneDeps, areaId: string): Promise<ZoneMessageRow[]> {
  const due = await claimDueZoneMessages(d.db, areaId, d.clock.now(), RETRY_LEASE_MS);
  if (!due.length) return [];
  const area = await loadScreenArea(d.db, areaId);
  if (!area) return [];
  const readings = new Map((await readZones(d.db, area, d.clock.now())).map((r) => [r.zoneId, r]));
  const settings = settingsOf(await loadZoneSettings(d.db, areaId));
  for (const m of due) await deliver(d, m, readings, settings);
  return due;
}
