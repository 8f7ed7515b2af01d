import type { Server } from 'node:http';
import { Queue } from 'bullmq';
import type { Platform } from '../core/platform.js';
import { startTelemetry, type Instrumentation } from '../core/telemetry/sdk.js';
import type { ScenicMetrics } from '../core/telemetry/metrics.js';
import { loadTelemetryConfig } from '../core/telemetry/config.js';
import { dataPlaneCollector, probeDependencies, queueCollector } from '../core/telemetry/collectors.js';
import { orderOutcomeRecorder } from '../core/telemetry/business.js';
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
  const connection = p.connectRedis({ prefixed: false, forQueues: true });
  const queues = Object.values(QUEUES).map((name) => new Queue(name, { connection, prefix: bullPrefix(p) }));
  m.collect('queues', queueCollector(queues, p.clock));
  m.collect('data-plane', dataPlaneCollector({ db: p.db, redis: p.redis, inventory: p.inventory, clock: p.clock, daysAhead: cfg.SCENIC_METRICS_DAYS_AHEAD }));
  const stopProbes = probeDependencies(m, p);
  return async () => {
    stopProbes();
    await Promise.all(queues.map((q) => q.close()));
  };
}

/** `scenic worker`: telemetry for the role and its `/metrics` on HOST:PORT. */
export async function startWorkerTelemetry(p: Platform, instrumentations: readonly Instrumentation[]): Promise<{ metrics: ScenicMetrics; close(): Promise<void> }> {
  const t = startTelemetry({ role: 'worker', instrumentations, onError: (source, err) => p.log.warn({ source, err }, 'metrics collection failed') });
  const server: Server = await serveMetrics(t, { port: p.cfg.PORT, host: p.cfg.HOST, token: loadTelemetryConfig().SCENIC_METRICS_TOKEN });
  p.log.info({ addr: server.address() }, 'worker metrics listening');
  return {
    metrics: t.metrics,
    async close() {
      await new Promise<void>((r) => server.close(() => r()));
      await t.shutdown();
    },
  };
}
