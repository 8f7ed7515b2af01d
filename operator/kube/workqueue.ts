/**
 * A de-duplicating, rate-limited work queue of keys (`namespace/name`), after client-go's:
 * - a key waiting in the queue is held once, however often it is added;
 * - a key being processed is never handed to a second worker; adding it meanwhile marks it
 *   dirty and it is queued again when the first run ends (one reconcile per key at a time);
 * - failures back off per key exponentially (`addRateLimited`), `forget` resets that;
 * - a global token bucket caps how fast keys leave the queue, whatever the per-key state;
 * - `addAfter` schedules a key (requeue-after for timed work); the earliest schedule wins.
 * Timers here only wake the queue: every decision is recomputed by the reconcile from the
 * objects, so a restarted operator (or a new leader) schedules the same work again.
 */
export interface WorkQueueOptions {
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Global bucket: sustained keys per second and burst. */
  qps?: number;
  burst?: number;
  now?: () => number;
}

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private waiters: (() => void)[] = [];
  private shuttingDown = false;
  private tokens: number;
  private lastRefill: number;
  private readonly opts: Required<WorkQueueOptions>;

  constructor(opts: WorkQueueOptions = {}) {
    this.opts = { baseDelayMs: 250, maxDelayMs: 60_000, qps: 20, burst: 100, now: Date.now, ...opts };
    this.tokens = this.opts.burst;
    this.lastRefill = this.opts.now();
  }

  get length(): number {
    return this.queue.length;
  }

  add(key: string): void {
    if (this.shuttingDown) return;
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.queue.push(key);
    this.waiters.shift()?.();
  }

  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) return this.add(key);
    const at = this.opts.now() + delayMs;
    const existing = this.timers.get(key);
    if (existing && existing.at <= at) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, delayMs);
    timer.unref?.();
    this.timers.set(key, { at, timer });
  }

  /** Requeue after a failure, backing off per key. Returns the delay used. */
  addRateLimited(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    const delay = Math.min(this.opts.maxDelayMs, this.opts.baseDelayMs * 2 ** n);
    this.addAfter(key, delay);
    return delay;
  }

  forget(key: string): void {
    this.failures.delete(key);
  }

  failureCount(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** The next key, once one is queued and the global bucket has a token; undefined on shutdown. */
  async get(): Promise<string | undefined> {
    for (;;) {
      if (this.shuttingDown) return undefined;
      if (this.queue.length > 0) {
        const wait = this.takeToken();
        if (wait > 0) {
          await new Promise((r) => setTimeout(r, wait));
          continue;
        }
        const key = this.queue.shift()!;
        this.queued.delete(key);
        this.processing.add(key);
        return key;
      }
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  /** Marks a key's processing finished; a key added meanwhile is queued again. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.delete(key)) this.add(key);
  }

  shutdown(): void {
    this.shuttingDown = true;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    for (const w of this.waiters.splice(0)) w();
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** 0 when a token was taken, else ms until the next one. */
  private takeToken(): number {
    const now = this.opts.now();
    this.tokens = Math.min(this.opts.burst, this.tokens + ((now - this.lastRefill) / 1000) * this.opts.qps);
    this.lastRefill = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) / this.opts.qps) * 1000);
  }
}
