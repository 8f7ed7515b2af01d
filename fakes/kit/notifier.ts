/**
 * How a fake delivers one notification, as tests steer it:
 * - `deliver` (default): POST it now (after `delayMs`), retrying like the provider until answered;
 * - `lose`: never send it (only an active query finds the payment);
 * - `hold`: keep it until `releaseHeld()` (send several held ones in any order to reorder them).
 * `duplicate` sends extra copies; `tamper` breaks it on purpose.
 */
export interface CallbackPlan {
  mode?: 'deliver' | 'lose' | 'hold';
  delayMs?: number;
  duplicate?: number;
  /** signature: flip the signature; amount: a different amount, correctly signed; foreign-key: signed with another key */
  tamper?: 'signature' | 'amount' | 'foreign-key';
}

/** One POST the fake made to a merchant's notify URL. */
export interface Delivery {
  kind: string;
  ref: string;
  attempt: number;
  status: number;
  answer: string;
}

export interface Outgoing {
  kind: string;
  ref: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

/**
 * Sends notifications, retrying until the merchant acknowledges (`acked` decides, since
 * the providers' acks differ), and records every attempt in `deliveries`.
 */
export class Notifier {
  readonly deliveries: Delivery[] = [];
  private held: Outgoing[] = [];
  retries = { attempts: 3, intervalMs: 200 };

  constructor(private readonly acked: (status: number, body: string) => boolean) {}

  /** Sends (or loses, or holds) per `plan`; resolves when every copy has been delivered or given up. */
  async dispatch(build: () => Outgoing, plan: CallbackPlan = {}): Promise<Delivery[]> {
    const mode = plan.mode ?? 'deliver';
    if (mode === 'lose') return [];
    // A duplicate is the same notification again (same id and signature), as a provider's resend is.
    const one = build();
    const copies = Array.from({ length: 1 + (plan.duplicate ?? 0) }, () => one);
    if (mode === 'hold') {
      this.held.push(...copies);
      return [];
    }
    if (plan.delayMs) await new Promise((r) => setTimeout(r, plan.delayMs));
    const out: Delivery[] = [];
    for (const c of copies) out.push(...(await this.send(c)));
    return out;
  }

  /** How many notifications are being held. */
  get heldCount() {
    return this.held.length;
  }

  /** Sends the held notifications, oldest first or (`reverse`) newest first — a stale status after a newer one. */
  async releaseHeld(opts: { reverse?: boolean } = {}): Promise<Delivery[]> {
    const batch = opts.reverse ? [...this.held].reverse() : [...this.held];
    this.held = [];
    const out: Delivery[] = [];
    for (const c of batch) out.push(...(await this.send(c)));
    return out;
  }

  private async send(o: Outgoing): Promise<Delivery[]> {
    const out: Delivery[] = [];
    for (let attempt = 1; attempt <= this.retries.attempts; attempt++) {
      if (attempt > 1) await new Promise((r) => setTimeout(r, this.retries.intervalMs));
      let status = 0;
      let answer = '';
      try {
        const res = await fetch(o.url, {
          method: 'POST',
          headers: o.headers,
          body: o.body,
          signal: AbortSignal.timeout(5000),
        });
        status = res.status;
        answer = await res.text();
      } catch (e) {
        answer = (e as Error).message;
      }
      const d = { kind: o.kind, ref: o.ref, attempt, status, answer };
      out.push(d);
      this.deliveries.push(d);
      if (this.acked(status, answer)) break;
    }
    return out;
  }
}
