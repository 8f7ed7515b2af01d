import { instrumentations } from '../core/telemetry/instrument.js'; // first: patches libraries before they load
import { Queue, Worker } from 'bullmq';
import { loadConfig } from '../core/config.js';
import { createPlatform, type Platform } from '../core/platform.js';
import { QUEUES, bullPrefix, holdExpiryScheduler } from './queues.js';
import { holdExpiryProcessor, maintenanceProcessor } from './processors.js';
import { relayOutbox } from './outbox.js';
import type { ScenicMetrics } from '../core/telemetry/metrics.js';
import { observedProcessor, reconcileRecorder } from '../core/telemetry/jobs.js';
import { loadNotifierConfig, startNotifier, type NotifierConfig } from './notifier.js';
import { reportsProcessor, scheduleReports } from './reports.js';
import { observeWorkers, startWorkerTelemetry } from './observability.js';
import { startWebhooks, type WebhookOptions } from './webhooks.js';
import { paymentsProcessor, schedulePayments, type PaymentJobOptions } from './payments.js';
import { reconciliationProcessor, scheduleReconciliation } from './reconciliation.js';
import { startZoneWatch, type ZoneWatchOptions } from './zones.js';
import { forecastProcessor, scheduleForecasts, type ForecastJobOptions } from './forecast.js';
import { startMembers } from './members.js';
import { startCampaigns } from './campaigns.js';

export interface RunningWorkers {
  close(): Promise<void>;
}

/** Starts every processor of this role on an existing platform (used by main and tests). */
export async function startWorkers(
  p: Platform,
  opts: {
    reconcileEveryMs?: number;
    sweepEveryMs?: number;
    outboxEveryMs?: number;
    metrics?: ScenicMetrics;
    notifier?: NotifierConfig;
    webhooks?: WebhookOptions;
    /** how often the payment poller and the refund pass run (tests run them faster) */
    paymentsEveryMs?: { pollMs?: number; refundsMs?: number };
    paymentJobs?: PaymentJobOptions;
    /** the zone diversion loop (workers/zones.ts) */
    zones?: ZoneWatchOptions;
    /** the crowd forecast's refresh (workers/forecast.ts) */
    forecast?: ForecastJobOptions;
    /** how often the members worker sweeps the books for events (issue 22) */
    membersEveryMs?: number;
  } = {},
): Promise<RunningWorkers> {
  const prefix = bullPrefix(p);
  const conn = () => p.connectRedis({ prefixed: false, forQueues: true });
  const expiries = holdExpiryScheduler(p);
  const workers = [
    new Worker(
      QUEUES.holdExpiry,
      observedProcessor(
        QUEUES.holdExpiry,
        holdExpiryProcessor(p, (id, at) => expiries.reschedule(id, at)),
        opts.metrics,
      ),
      { connection: conn(), prefix, concurrency: 16 },
    ),
    new Worker(
      QUEUES.maintenance,
      observedProcessor(
        QUEUES.maintenance,
        maintenanceProcessor(p),
        opts.metrics,
        reconcileRecorder(opts.metrics),
      ),
      { connection: conn(), prefix, concurrency: 1 },
    ),
    new Worker(
      QUEUES.reports,
      observedProcessor(QUEUES.reports, reportsProcessor(p, opts.metrics), opts.metrics),
      { connection: conn(), prefix, concurrency: 1 },
    ),
    new Worker(
      QUEUES.payments,
      observedProcessor(QUEUES.payments, paymentsProcessor(p, opts.paymentJobs), opts.metrics),
      { connection: conn(), prefix, concurrency: 1 },
    ),
    new Worker(
      QUEUES.reconciliation,
      observedProcessor(QUEUES.reconciliation, reconciliationProcessor(p, opts.metrics), opts.metrics),
      { connection: conn(), prefix, concurrency: 1 },
    ),
    // one at a time: two refreshes of an area at once would only race to the same answer
    new Worker(
      QUEUES.forecast,
      observedProcessor(QUEUES.forecast, forecastProcessor(p, opts.forecast), opts.metrics),
      { connection: conn(), prefix, concurrency: 1 },
    ),
  ];
  const webhooks = await startWebhooks(p, opts.webhooks);
  for (const w of workers)
    w.on('failed', (job, err) => p.log.warn({ queue: w.name, job: job?.id, err: err.message }, 'job failed'));
  const maintenance = new Queue(QUEUES.maintenance, { connection: conn(), prefix });
  await maintenance.upsertJobScheduler(
    'sweep',
    { every: opts.sweepEveryMs ?? 30_000 },
    { name: 'sweep', opts: { removeOnComplete: 100, removeOnFail: 100 } },
  );
  await maintenance.upsertJobScheduler(
    'reconcile',
    { every: opts.reconcileEveryMs ?? 60_000 },
    { name: 'reconcile', opts: { removeOnComplete: 100, removeOnFail: 100 } },
  );
  const reports = await scheduleReports(p);
  const payments = await schedulePayments(p, opts.paymentsEveryMs);
  const reconciliation = await scheduleReconciliation(p);
  const forecasts = await scheduleForecasts(p, opts.forecast?.everyMs);
  const notifier = opts.notifier ? await startNotifier(p, opts.notifier, opts.metrics) : undefined;
  const unobserve = opts.metrics ? observeWorkers(p, opts.metrics) : undefined;
  const zones = startZoneWatch(p, opts.zones);
  const members = await startMembers(p, opts.membersEveryMs);
  const campaigns = await startCampaigns(p);
  await maintenance.upsertJobScheduler(
    'housekeeping',
    { every: 3_600_000 },
    { name: 'housekeeping', opts: { removeOnComplete: 100, removeOnFail: 100 } },
  );
  // refunds moved to the payments queue (workers/payments.ts)
  await maintenance.removeJobScheduler('refunds');

  // The outbox relay polls Postgres (no queue needed: the table is the queue).
  let stopped = false;
  const every = opts.outboxEveryMs ?? 500;
  const loop = (async () => {
    while (!stopped) {
      const n = await relayOutbox(p, 100, webhooks).catch((e: unknown) => {
        p.log.warn({ err: e }, 'outbox relay failed');
        return 0;
      });
      if (!n) await new Promise((r) => setTimeout(r, every));
    }
  })();
  return {
    async close() {
      stopped = true;
      await Promise.all(workers.map((w) => w.close()));
      await expiries.close();
      await maintenance.close();
      await notifier?.close();
      await reports.close();
      await payments.close();
      await reconciliation.close();
      await forecasts.close();
      await unobserve?.();
      await zones.close();
      await members.close();
      await campaigns.close();
      await loop;
      await webhooks.close();
    },
  };
}

/** `scenic worker`: runs every BullMQ processor of this process until SIGTERM. */
export async function main(): Promise<void> {
  const cfg = loadConfig();
  const platform = createPlatform(cfg, { role: 'worker' });
  const telemetry = await startWorkerTelemetry(platform, instrumentations);
  const running = await startWorkers(platform, {
    metrics: telemetry.metrics,
    notifier: loadNotifierConfig(),
  });
  platform.log.info('worker started');
  await new Promise<void>((resolve) => {
    for (const s of ['SIGTERM', 'SIGINT'] as const) process.once(s, () => resolve());
  });
  platform.log.info('worker shutting down');
  await running.close();
  await telemetry.close();
  await platform.close();
}
