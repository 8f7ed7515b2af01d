import { residentId } from '../support/platform.js';
import { httpClient, prng } from '../support/http.js';

/** What a crowd of phones saw while it placed orders. */
export interface LoadOutcome {
  /** order ids a client got a 201 for */
  acknowledged: Set<string>;
  /** answers other than 201 after the retries, by status and code ("gave up" when none came) */
  refusals: Map<string, number>;
  /** the orders given up on, by the last failed attempt's answer ("503 redis_not_replicated", "no answer: …") */
  gaveUpOn: Map<string, number>;
  /** moments (ms since the epoch) of each failed attempt: a 5xx or a refused connection */
  failedAt: number[];
  /** moments of each 201 */
  succeededAt: number[];
}

export interface LoadOptions {
  baseUrl: string;
  areaId: string;
  date: string;
  slotId: string;
  buyers: number;
  /** each buyer stops after this many orders, or when `stop()` says so */
  ordersPerBuyer: number;
  seed: number;
  stop: () => boolean;
  /** each buyer waits this long between orders, so a sale outlasts a failover however fast orders are */
  paceMs?: number;
}

/**
 * How long a buyer keeps retrying one order. The failover scripts give a promotion 60 s and
 * the rejoin after it 30 s before they fail the test themselves, so a buyer still refused
 * after that means the platform did not come back, not that this machine was slow: with
 * 120 attempts 250 ms apart (≈ 30 s), a failover that CI's full suite slowed past half a
 * minute counted every buyer's in-flight order as given up.
 */
const RETRY_FOR_MS = 120_000;

/**
 * Buyers placing real-name orders as a phone app does: each with its own address (the
 * API keys rate limits on it), retrying a 5xx or a dropped connection with the same
 * idempotency key every 250 ms for up to RETRY_FOR_MS. Used by the failover tests, which
 * need load running while a service dies.
 */
export async function placeOrders(o: LoadOptions): Promise<LoadOutcome> {
  const out: LoadOutcome = {
    acknowledged: new Set(),
    refusals: new Map(),
    gaveUpOn: new Map(),
    failedAt: [],
    succeededAt: [],
  };
  const client = httpClient(o.baseUrl, o.buyers * 2);
  const rnd = prng(o.seed);
  let person = 0;
  const retry = async (
    send: () => Promise<{ status: number; body: Record<string, unknown> }>,
  ): Promise<{ status: number; body: Record<string, unknown> } | undefined> => {
    let last = '';
    for (const until = Date.now() + RETRY_FOR_MS; Date.now() < until;) {
      try {
        const res = await send();
        const busy = res.status === 409 && res.body.code === 'idempotency_in_progress';
        if (res.status < 500 && !busy) return res;
        if (!busy) out.failedAt.push(Date.now());
        last = `${res.status} ${String(res.body.code)}`;
      } catch (e) {
        out.failedAt.push(Date.now());
        last = `no answer: ${e instanceof Error ? e.message : String(e)}`;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    out.gaveUpOn.set(last, (out.gaveUpOn.get(last) ?? 0) + 1);
    return undefined;
  };
  await Promise.all(
    Array.from({ length: o.buyers }, async (_, b) => {
      const phone = { 'x-forwarded-for': `10.1.${o.seed % 250}.${b + 1}` };
      for (let i = 0; i < o.ordersPerBuyer && !o.stop(); i++) {
        const units = 1 + Math.floor(rnd() * 2);
        const body = {
          areaId: o.areaId,
          date: o.date,
          slotId: o.slotId,
          contactPhone: '13912345678',
          items: [
            {
              productId: 'adult',
              visitors: Array.from({ length: units }, () => ({
                name: 'F',
                idNumber: residentId('19800808', person++),
              })),
            },
          ],
        };
        const key = `load-${o.seed}-${b}-${i}`;
        const res = await retry(() =>
          client.send('POST', '/v1/orders', body, { ...phone, 'idempotency-key': key }),
        );
        if (res?.status === 201) {
          out.acknowledged.add(res.body.id as string);
          out.succeededAt.push(Date.now());
        } else {
          const why = res ? `${res.status} ${String(res.body.code)}` : 'gave up';
          out.refusals.set(why, (out.refusals.get(why) ?? 0) + 1);
        }
        if (o.paceMs) await new Promise((r) => setTimeout(r, o.paceMs));
      }
    }),
  );
  client.close();
  return out;
}

/**
 * The longest stretch, in seconds, from a failed attempt to the next 201 that followed
 * it: how long clients were refused, as they saw it.
 */
export function unavailableSeconds(out: LoadOutcome): number {
  if (out.failedAt.length === 0) return 0;
  const ok = [...out.succeededAt].sort((a, b) => a - b);
  const firstFail = Math.min(...out.failedAt);
  const lastFail = Math.max(...out.failedAt);
  const recovered = ok.find((t) => t > lastFail) ?? lastFail;
  return Math.round((recovered - firstFail) / 100) / 10;
}
