import type { ScenicMetrics } from './metrics.js';
import { inSpan, type TraceCarrier } from './trace.js';

/** What a job processor receives, as far as telemetry cares (core/ does not import bullmq). */
interface JobLike {
  name: string;
  data: unknown;
}

const traceOf = (data: unknown): TraceCarrier | undefined => {
  const t = (data as { trace?: unknown } | null)?.trace;
  return t && typeof t === 'object' ? (t as TraceCarrier) : undefined;
};

/**
 * Wraps a queue processor: a consumer span whose parent is the trace context the
 * producer put in the job data (`data.trace`), plus duration and result counters.
 * `onResult` sees each return value (e.g. the reconciler's drift count).
 */
export function observedProcessor<J extends JobLike, R>(
  queue: string,
  fn: (job: J) => Promise<R>,
  m?: ScenicMetrics,
  onResult?: (job: J, r: R) => void,
): (job: J) => Promise<R> {
  if (m)
    for (const result of ['completed', 'failed'])
      m.add('scenic_queue_jobs_processed_total', 0, { queue, result });
  return (job) =>
    inSpan(
      `${queue} process`,
      {
        parent: traceOf(job.data),
        kind: 'consumer',
        attributes: {
          'messaging.system': 'bullmq',
          'messaging.destination.name': queue,
          'messaging.operation.name': job.name,
        },
      },
      async () => {
        const t0 = performance.now();
        try {
          const r = await fn(job);
          m?.add('scenic_queue_jobs_processed_total', 1, { queue, result: 'completed' });
          onResult?.(job, r);
          return r;
        } catch (e) {
          m?.add('scenic_queue_jobs_processed_total', 1, { queue, result: 'failed' });
          throw e;
        } finally {
          m?.observe('scenic_queue_job_duration_seconds', (performance.now() - t0) / 1000, { queue });
        }
      },
    );
}

/** Counts reconciler runs and repaired area-days from the maintenance job's result. */
export function reconcileRecorder(m: ScenicMetrics | undefined) {
  if (m) {
    for (const result of ['clean', 'repaired', 'failed'])
      m.add('scenic_inventory_reconcile_runs_total', 0, { result });
    m.add('scenic_inventory_drift_repaired_total', 0);
  }
  return (job: JobLike, r: unknown) => {
    if (!m || job.name !== 'reconcile') return;
    const drifted = Number((r as { drifted?: unknown } | null)?.drifted ?? 0);
    m.add('scenic_inventory_reconcile_runs_total', 1, { result: drifted > 0 ? 'repaired' : 'clean' });
    if (drifted > 0) m.add('scenic_inventory_drift_repaired_total', drifted);
  };
}
