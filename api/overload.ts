/**
 * Load shedding for the presale flood. One Node process serves every route on one event
 * loop: when a presale's joins and status polls arrive faster than the loop can turn,
 * every request waits for the loop — including partner reservations, gate checks and
 * admin calls, whose dozen awaits each pay that wait again. The waiting room exists to
 * say "come back later" cheaply, so when the loop lags past a threshold its two public
 * doors answer `429 waiting_room_busy` with a Retry-After *before* doing any work; the
 * buyers back off, the loop turns fast again, and the rest of the API keeps its latency.
 *
 * Admitted buyers' holds are never shed (their rate is what the room admits), and
 * nothing else is: partner, gate, staff and admin requests are the ones being protected.
 */

/** How late a 10 ms timer fires: the event loop's lag, smoothed so one quiet turn does not end a surge. */
export class LoopLag {
  private last = performance.now();
  private smoothedMs = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly intervalMs = 10) {}

  start(): this {
    if (!this.timer) {
      this.last = performance.now();
      this.timer = setInterval(() => this.tick(), this.intervalMs);
      this.timer.unref();
    }
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Current lag in ms: the smoothed lateness, or how overdue the timer is right now if that is more. */
  get ms(): number {
    const overdue = performance.now() - this.last - this.intervalMs;
    return Math.max(this.smoothedMs, overdue, 0);
  }

  private tick(): void {
    const now = performance.now();
    const late = Math.max(0, now - this.last - this.intervalMs);
    this.last = now;
    // rise at once, decay over a few turns
    this.smoothedMs = late >= this.smoothedMs ? late : this.smoothedMs * 0.7 + late * 0.3;
  }
}

let shared: LoopLag | undefined;
/** The process's one lag monitor (tests build several apps per process). */
export const processLoopLag = (): LoopLag => (shared ??= new LoopLag().start());

/** Sheds above `thresholdMs` of lag, and stops only below half of it (hysteresis); 0 turns it off. */
export class Shedder {
  private on = false;
  /** when the current spell of shedding began (performance.now() ms) */
  private since = 0;

  constructor(
    private readonly lag: { readonly ms: number },
    private readonly thresholdMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get shedding(): boolean {
    if (this.thresholdMs <= 0) return false;
    const ms = this.lag.ms;
    if (this.on ? ms < this.thresholdMs / 2 : ms > this.thresholdMs) {
      this.on = !this.on;
      if (this.on) this.since = this.now();
    }
    return this.on;
  }

  /**
   * Seconds to tell a shed caller to wait, drawn at random so retries do not come back in
   * step: 1–2 at first, and a wider spread (up to {@link MAX_SHED_RETRY_SECONDS}) the longer
   * the spell lasts. With a fixed 1–2 s, a sustained surge brought every shed join back
   * within 2 s, so the retries alone kept the loop late (bench:scale --surge: 2.8 M shed
   * joins for 500,000 buyers).
   */
  retryAfterSeconds(): number {
    const spell = this.on ? (this.now() - this.since) / 1000 : 0;
    const span = Math.min(MAX_SHED_RETRY_SECONDS, 2 + Math.floor(spell / 2));
    return 1 + Math.floor(Math.random() * span);
  }
}

/** The longest Retry-After a shed request is given (a buyer's app should not look stuck). */
export const MAX_SHED_RETRY_SECONDS = 10;
