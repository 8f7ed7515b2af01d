import { Queue, type Job } from 'bullmq';
import type { Platform } from '../core/platform.js';
import { listAreas } from '../core/catalog/catalog.js';
import { refreshDue, refreshForecasts, type RefreshDue } from '../core/forecast/refresh.js';
import { noWeather, type WeatherSource } from '../core/forecast/weather.js';
import { systemActor } from '../core/orders/model.js';
import { QUEUES, bullPrefix } from './queues.js';

/**
 * forecast: keeps every area's crowd forecast and price factors current (issue 22).
 *  - `check` (scheduler, every few minutes): refreshes each area whose forecast is due
 *    (`refreshDue`: never computed, computed on an earlier local day, or bookings for
 *    the coming days changed since) — daily, and soon after booking changes, without a
 *    hook in the order path;
 *  - `area` {areaId}: refreshes one area now (job id = the area: asked twice while
 *    queued, it runs once).
 * Idempotent: `refreshForecasts` on the same books stores the same forecasts and changes
 * no factor the second time; a manager's pinned factor is never overwritten.
 */
export interface ForecastJob {
  areaId?: string;
}

export interface ForecastJobOptions {
  /** the weather adapter (none configured: the forecast leaves weather out) */
  weather?: WeatherSource;
  /** how often `check` runs (tests run it faster) */
  everyMs?: number;
}

const ACTOR = systemActor('forecast-worker');

export function forecastProcessor(p: Platform, opts: ForecastJobOptions = {}) {
  const deps = { db: p.db, clock: p.clock, weather: opts.weather ?? noWeather };
  const refresh = async (areaId: string, why: RefreshDue | 'asked') => {
    const r = await refreshForecasts(deps, ACTOR, await p.catalog.area(areaId));
    p.log.info(
      { areaId, why, forecasts: r.forecasts, factorsChanged: r.factorsChanged, error: r.error },
      'forecast refreshed',
    );
    return r;
  };
  return async (job: Job<ForecastJob>) => {
    if (job.name === 'area') {
      if (!job.data.areaId) throw new Error('area needs areaId');
      const r = await refresh(job.data.areaId, 'asked');
      return { [r.areaId]: r.factorsChanged };
    }
    const out: Record<string, RefreshDue | 'current'> = {};
    for (const a of await listAreas(p.db)) {
      const why = await refreshDue(p.db, await p.catalog.area(a.id), p.clock.now());
      out[a.id] = why ?? 'current';
      if (why) await refresh(a.id, why);
    }
    return out;
  };
}

/** Schedules the `check` job (one scheduler per deployment, whatever the replicas). */
export async function scheduleForecasts(p: Platform, everyMs = 600_000): Promise<Queue<ForecastJob>> {
  const q = new Queue<ForecastJob>(QUEUES.forecast, {
    connection: p.connectRedis({ prefixed: false, forQueues: true }),
    prefix: bullPrefix(p),
  });
  await q.upsertJobScheduler(
    'check',
    { every: everyMs },
    { name: 'check', opts: { removeOnComplete: 100, removeOnFail: 100 } },
  );
  return q;
}

/** Queues the refresh of one area (job id = the area: asking twice while it waits queues it once). */
export async function queueForecastRefresh(q: Queue<ForecastJob>, areaId: string): Promise<void> {
  await q.add('area', { areaId }, { jobId: `area-${areaId}`, removeOnComplete: true, removeOnFail: 100 });
}
