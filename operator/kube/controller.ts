import type { Logger } from 'pino';
import type { ScenicMetrics } from '../../core/telemetry/metrics.js';
import { WorkQueue, type WorkQueueOptions } from './workqueue.js';

export interface ReconcileResult {
  /** Reconcile this key again after this long (timed work: pre-scale, open, close). */
  requeueAfterMs?: number;
}

export type Reconciler = (key: string) => Promise<ReconcileResult | void>;

export interface ControllerOptions extends WorkQueueOptions {
  workers?: number;
  log: Logger;
  metrics: ScenicMetrics;
}

/**
 * Runs a reconciler over a work queue: informer handlers only `enqueue` keys; workers take
 * one key at a time, reconcile it from current state, requeue after an error with per-key
 * backoff, or after the delay the reconciler asks for.
 */
export class Controller {
  readonly queue: WorkQueue;
  private loops: Promise<void>[] = [];

  constructor(
    readonly name: string,
    private readonly reconcile: Reconciler,
    private readonly opts: ControllerOptions,
  ) {
    this.queue = new WorkQueue(opts);
  }

  enqueue(key: string): void {
    this.queue.add(key);
  }

  start(): void {
    for (let i = 0; i < (this.opts.workers ?? 2); i++) this.loops.push(this.worker());
  }

  /** Stops taking keys and waits for reconciles in flight to finish. */
  async stop(): Promise<void> {
    this.queue.shutdown();
    await Promise.all(this.loops);
  }

  private async worker(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      const t0 = performance.now();
      try {
        const res = await this.reconcile(key);
        this.queue.forget(key);
        if (res?.requeueAfterMs !== undefined) this.queue.addAfter(key, res.requeueAfterMs);
        this.opts.metrics.add('scenic_operator_reconcile_total', 1, {
          controller: this.name,
          result: 'success',
        });
      } catch (err) {
        const delay = this.queue.addRateLimited(key);
        this.opts.metrics.add('scenic_operator_reconcile_total', 1, {
          controller: this.name,
          result: 'error',
        });
        this.opts.log.warn(
          {
            controller: this.name,
            key,
            err: err instanceof Error ? err.message : String(err),
            retryInMs: delay,
          },
          'reconcile failed',
        );
      } finally {
        this.opts.metrics.add('scenic_operator_reconcile_seconds_total', (performance.now() - t0) / 1000, {
          controller: this.name,
        });
        this.queue.done(key);
      }
    }
  }
}
