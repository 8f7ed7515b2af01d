import { Queue, type Job } from 'bullmq';
import type { Platform } from '../core/platform.js';
import { addDays, localParts } from '../core/time.js';
import { computeDailyReport, loadReport, storeReport } from '../core/reports/daily.js';
import { listAreas } from '../core/catalog/catalog.js';
import type { ScenicMetrics } from '../core/telemetry/metrics.js';
import { inSpan, type TraceCarrier } from '../core/telemetry/trace.js';
import { QUEUES, bullPrefix } from './queues.js';

/**
 * reports: produces the daily report of every area once its day is over.
 *  - `daily` (hourly scheduler): for each area, yesterday in the area's time zone, if
 *    not stored yet (idempotent; late payments of a day are rare, `generate` redoes it);
 *  - `generate` {areaId, date}: (re)computes and stores one report.
 */
export interface ReportJob {
  areaId?: string;
  date?: string;
  trace?: TraceCarrier;
}

export function reportsProcessor(p: Platform, metrics?: ScenicMetrics) {
  const make = async (areaId: string, date: string) => {
    try {
      await storeReport(p.db, await computeDailyReport(p.db, p.vault, areaId, date, p.clock.now()));
      metrics?.add('scenic_reports_generated_total', 1, { result: 'generated' });
    } catch (e) {
      metrics?.add('scenic_reports_generated_total', 1, { result: 'failed' });
      throw e;
    }
  };
  return async (job: Job<ReportJob>) =>
    inSpan(`reports ${job.name}`, { parent: job.data.trace, kind: 'consumer' }, async () => {
      if (job.name === 'generate') {
        if (!job.data.areaId || !job.data.date) throw new Error('generate needs areaId and date');
        await make(job.data.areaId, job.data.date);
        return { generated: 1 };
      }
      const areas = await listAreas(p.db);
      let generated = 0;
      for (const a of areas) {
        const yesterday = addDays(localParts(p.clock.now(), a.timezone).date, -1);
        if (await loadReport(p.db, a.id, yesterday)) continue;
        await make(a.id, yesterday);
        generated++;
      }
      return { generated };
    });
}

/** Schedules the hourly `daily` job (one scheduler per deployment, whatever the replicas). */
export async function scheduleReports(p: Platform, everyMs = 3_600_000): Promise<Queue<ReportJob>> {
  const q = new Queue<ReportJob>(QUEUES.reports, {
    connection: p.connectRedis({ prefixed: false, forQueues: true }),
    prefix: bullPrefix(p),
  });
  await q.upsertJobScheduler(
    'daily',
    { every: everyMs },
    { name: 'daily', opts: { removeOnComplete: 100, removeOnFail: 100 } },
  );
  return q;
}
