import type { Server } from 'node:http';
import { Queue } from 'bullmq';
import type { Platform } from '../core/platform.js';
import { startTelemetry, type Instrumentation } from '../core/telemetry/sdk.js';
import type { ScenicMetrics } from '../core/telemetry/metrics.js';
import { loadTelemetryConfig } from '../core/telemetry/config.js';
import { dataPlaneCollector, probeDependencies, queueCollector } from '../core/telemetry/collectors.js';
import { orderOutcomeRecorder, recordPaymentEvents } from '../core/telemetry/business.js';
import { refundSamples } from '../core/orders/refunds.js';
import { reconciliationSamples } from '../core/payments/recon-report.js';
import { serveMetrics } from '../core/telemetry/server.js';
import { QUEUES, bullPrefix } from './queues.js';

/**
 * The worker role's share of the metrics: the state of the data plane (capacity, books,
 * presence, gates, waiting room) and of every BullMQ queue, read at scrape time; the
 * outcomes of orders the workers end (expiries, retried refunds); dependency latency.
 * Returns a function that stops the probes and closes the queue handles.
 */
export function observeWorkers(p: Platform, m: ScenicMetrics): () => Promise<void> {
  const cfg = loadTelemetryConfig();
  const record = orderOutcomeRecorder(m);
  const prev = p.orders.onOutcome;
  p.orders.onOutcome = (e) => {
    prev?.(e);
    record(e);
  };
  recordPaymentEvents(p.orders, m);
  m.collect('money', async () => {
    const now = p.clock.now();
    const [refunds, recon] = await Promise.all([refundSamples(p.db, now), reconciliationSamples(p.db, now)]);
    return [...refunds, ...recon];
  });
  const connection = p.connectRedis({ prefixed: false, forQueues: true });
  const queues = Object.values(QUEUES).map((name) => new Queue(name, { connection, prefix: bullPrefix(p) }));
  m.collect('queues', queueCollector(queues, p.clock));
  m.collect(
    'data-plane',
    dataPlaneCollector({
      db: p.db,
      redis: p.redis,
      inventory: p.inventory,
      clock: p.clock,
      daysAhead: cfg.SCENIC_METRICS_DAYS_AHEAD,
    }),
  );
  const stopProbes = probeDependencies(m, p);
  return async () => {
    stopProbes();
    await Promise.all(queues.map((q) => q.close()));
  };
}

/**
 * `scenic worker`: telemetry for the role and its `/metrics` on SCENIC_METRICS_HOST:
 * SCENIC_METRICS_PORT (port 9464; all interfaces behind SCENIC_METRICS_TOKEN, loopback
 * only without one). A port already taken costs the scrape endpoint, never the worker:
 * it logs and carries on.
 */
export async function startWorkerTelemetry(
  p: Platform,
  instrumentations: readonly Instrumentation[],
): Promise<{ metrics: ScenicMetrics; close(): Promise<void> }> {
  const cfg = loadTelemetryConfig();
  const t = startTelemetry({
    role: 'worker',
    instrumentations,
    onError: (source, err) => p.log.warn({ source, err }, 'metrics collection failed'),
  });
  let server: Server | undefined;
  if (cfg.SCENIC_METRICS_PORT) {
    server = await serveMetrics(t, {
      port: cfg.SCENIC_METRICS_PORT,
      host: cfg.SCENIC_METRICS_HOST,
      token: cfg.SCENIC_METRICS_TOKEN,
    }).catch((err: unknown) => {
      p.log.warn({ err, port: cfg.SCENIC_METRICS_PORT }, 'worker metrics endpoint not started');
      return undefined;
    });
    if (server) p.log.info({ addr: server.address() }, 'worker metrics listening');
  }
  return {
    metrics: t.metrics,
    async close() {
      await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
      await t.shutdown();
    },
  };
}
