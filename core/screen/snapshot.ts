import type { Knex } from 'knex';
import type { Clock } from '../clock.js';
import { notFound } from '../errors.js';
import type { Inventory } from '../inventory/inventory.js';
import { entranceFlow, presenceOf } from '../checkin/presence.js';
import { localParts } from '../time.js';
import type { DayLevel, ScreenSnapshot, Thresholds } from './model.js';
import { flowSeries, levelOf, minuteOf, percentOf } from './rules.js';
import { entranceTotals, loadScreenArea, salesByChannel } from './store.js';
import { readZones } from '../zones/evaluate.js';
import { openAlerts } from './alerts.js';

/** The minutes of entrance flow a screen shows. */
export const FLOW_MINUTES = 30;

export interface ScreenDeps {
  db: Knex;
  inventory: Pick<Inventory, 'snapshot'>;
  clock: Clock;
}

/**
 * Reads what the crowd screen shows for an area today (its local date): the same
 * tables and Redis counters the metrics collectors read, so the screen and Grafana agree.
 */
export async function readScreen(d: ScreenDeps, areaId: string): Promise<ScreenSnapshot> {
  const area = await loadScreenArea(d.db, areaId);
  if (!area) throw notFound('area_not_found', `no area ${areaId.slice(0, 64)}`);
  const now = d.clock.now();
  const date = localParts(now, area.timezone).date;
  const from = new Date(minuteOf(now).getTime() - (FLOW_MINUTES - 1) * 60_000);
  const [presence, points, totals, sales, inv, zones, alerts] = await Promise.all([
    presenceOf(d.db, area.id, date, area.instant_capacity),
    entranceFlow(d.db, area.id, from, new Date(minuteOf(now).getTime() + 60_000)),
    entranceTotals(d.db, area, now),
    salesByChannel(d.db, area.id, date),
    d.inventory.snapshot(area.id, date),
    readZones(d.db, area, now),
    openAlerts(d.db, area.id, now),
  ]);
  const entrances = flowSeries(points, totals, now, FLOW_MINUTES);
  return {
    areaId: area.id,
    areaName: area.name,
    date,
    at: now.toISOString(),
    inPark: presence.inPark,
    instantCapacity: area.instant_capacity,
    occupancyPct: percentOf(presence.inPark, area.instant_capacity),
    occupancyLevel: levelOf(presence.inPark, area.instant_capacity, area.thresholds),
    entriesToday: entrances.reduce((n, e) => n + e.entriesToday, 0),
    exitsToday: entrances.reduce((n, e) => n + e.exitsToday, 0),
    flowMinutes: FLOW_MINUTES,
    entrances,
    day: dayLevel(date, inv, area.thresholds),
    sales,
    alerts,
    zones: zones.map((z) => ({
      zoneId: z.zoneId,
      name: z.name,
      inZone: z.inZone,
      capacity: z.capacity,
      pct: percentOf(z.inZone, z.capacity),
      level: z.level,
    })),
  };
}

/** The day's level as the inventory holds it, and each slot's by the same thresholds. */
export function dayLevel(
  date: string,
  inv: Awaited<ReturnType<Inventory['snapshot']>>,
  t: Thresholds,
): DayLevel {
  return {
    date,
    initialised: inv.initialised,
    used: inv.used,
    capacity: inv.capacity,
    level: inv.level,
    slots: Object.entries(inv.slots)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([slotId, s]) => ({ slotId, ...s, level: levelOf(s.used, s.capacity, t) })),
  };
}
