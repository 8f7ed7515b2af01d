import { Queue, type Job } from 'bullmq';
import type { Platform } from '../core/platform.js';
import { isDomainError } from '../core/errors.js';
import { beijingDate } from '../core/payments/china-time.js';
import type { ProviderName } from '../core/payments/gateway.js';
import { hasRun, reconcileDay } from '../core/payments/reconciliation.js';
import type { ScenicMetrics } from '../core/telemetry/metrics.js';
import { addDays } from '../core/time.js';
import { QUEUES, bullPrefix } from './queues.js';

/**
 * reconciliation (对账): each provider's statement of the previous Beijing day against
 * the books, stored per provider-day (core/payments/reconciliation.ts).
 *  - `daily` (hourly scheduler): for every configured provider, yesterday if not stored
 *    yet — the bills appear in the morning, so the first runs of a day may find
 *    `statement_not_ready` and the next hour tries again;
 *  - `day` {provider, date}: (re)reconciles one provider-day; a rerun replaces the day.
 * Idempotent per provider-day: the job id names it, and the stored day is replaced whole.
 */
export interface ReconJob {
  provider?: ProviderName;
  date?: string;
}

export function reconciliationProcessor(p: Platform, metrics?: ScenicMetrics) {
  const run = async (provider: ProviderName, date: string): Promise<string> => {
    const gw = p.payments.get(provider);
    if (!gw) throw new Error(`${provider} is not configured here`);
    try {
      const r = await reconcileDay(p.db, gw, date, p.clock);
      metrics?.add('scenic_reconciliation_runs_total', 1, { provider, result: 'done' });
      const bad = r.items.filter((i) => i.class !== 'matched' && i.class !== 'fee');
      if (bad.length) p.log.warn({ provider, date, totals: r.totals }, 'reconciliation found discrepancies');
      return 'done';
    } catch (e) {
      const notReady = isDomainError(e) && e.code === 'statement_not_ready';
      metrics?.add('scenic_reconciliation_runs_total', 1, {
        provider,
        result: notReady ? 'not_ready' : 'failed',
      });
      if (notReady) return 'not_ready';
      throw e;
    }
  };
  return async (job: Job<ReconJob>) => {
    if (job.name === 'day') {
      if (!job.data.provider || !job.data.date) throw new Error('day needs provider and date');
      return { [job.data.provider]: await run(job.data.provider, job.data.date) };
    }
    const yesterday = addDays(beijingDate(p.clock.now()), -1);
    const out: Record<string, string> = {};
    for (const provider of p.payments.keys())
      out[provider] = (await hasRun(p.db, provider, yesterday)) ? 'stored' : await run(provider, yesterday);
    return out;
  };
}

/** Schedules the hourly `daily` job. */
export async function scheduleReconciliation(p: Platform, everyMs = 3_600_000): Promise<Queue<ReconJob>> {
  const q = new Queue<ReconJob>(QUEUES.reconciliation, {
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

/** Queues the reconciliation of one provider-day (job id = the day: asking twice queues it once). */
export async function queueReconciliationDay(q: Queue<ReconJob>, provider: ProviderName, date: string) {
  await q.add(
    'day',
    { provider, date },
    { jobId: `day-${provider}-${date}`, removeOnComplete: true, removeOnFail: 100 },
  );
}
