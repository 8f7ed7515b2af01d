/**
 * The benchmarks' one closed-loop load generator and its HTTP helpers (bench:orders,
 * bench:presale, bench:paid). Every request has a deadline: a server that stops answering
 * ends a slice on time with the unanswered requests counted as `timeouts`, instead of the
 * generator waiting for ever (what made the API side of bench:orders record nothing).
 */
import { Agent, request } from 'node:http';

/** A request that got no answer within its deadline (the socket is destroyed). */
export class RequestTimeout extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
  }
}

export interface Answer {
  status: number;
  text: string;
  headers: Record<string, string | string[] | undefined>;
}

export interface Call {
  method?: string;
  path: string;
  body?: string;
  headers?: Record<string, string>;
  /** ms without an answer before the request is abandoned (default 10 s) */
  timeoutMs?: number;
}

/** One HTTP request over `agent` to 127.0.0.1:`port`; rejects with RequestTimeout past its deadline. */
export function send(agent: Agent, port: number, c: Call): Promise<Answer> {
  const timeoutMs = c.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...c.headers };
    if (c.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      headers['content-length'] = Buffer.byteLength(c.body);
    }
    const req = request(
      {
        agent,
        host: '127.0.0.1',
        port,
        method: c.method ?? (c.body ? 'POST' : 'GET'),
        path: c.path,
        headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (b: Buffer) => chunks.push(b));
        res.on('end', () => {
          clearTimeout(timer);
          resolve({
            status: res.statusCode ?? 0,
            text: Buffer.concat(chunks).toString('utf8'),
            headers: res.headers,
          });
        });
        res.on('error', reject);
      },
    );
    // a deadline for the whole exchange, not the socket's idle time: a trickle must not extend it
    const timer = setTimeout(() => req.destroy(new RequestTimeout(timeoutMs)), timeoutMs);
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    req.end(c.body);
  });
}

export interface Samples {
  /** latency of each measured answer, ms */
  lat: number[];
  /** completion times (ms since measuring began), for throughput over time */
  at: number[];
  seconds: number;
  /** 2xx answers measured */
  ok: number;
  statuses: Record<number, number>;
  /** transport errors and non-2xx answers */
  errors: number;
  /** requests abandoned at their deadline (counted in `errors` too) */
  timeouts: number;
}

export interface LoopOptions {
  connections: number;
  seconds: number;
  /** unmeasured warm-up before `seconds` start */
  warmMs?: number;
  /** stop once this many 2xx were measured */
  untilOk?: number;
  /** called with every 2xx, warm-up included (for totals checked against the books) */
  onOk?: () => void;
}

/**
 * Closed loop: `connections` workers, each sending its next request when the last one is
 * answered, for `seconds` after `warmMs` unmeasured. `step` does one unit of work (one or
 * several requests) over the loop's keep-alive agent and returns the final status. What is
 * measured is what COMPLETES inside the window (a unit longer than a slice still counts in
 * the slice it ends in); units still running at its end finish uncounted.
 */
export async function closedLoop(o: LoopOptions, step: (agent: Agent) => Promise<number>): Promise<Samples> {
  const agent = new Agent({ keepAlive: true, maxSockets: o.connections });
  const s: Samples = { lat: [], at: [], seconds: 0, ok: 0, statuses: {}, errors: 0, timeouts: 0 };
  const t0 = Date.now() + (o.warmMs ?? 0);
  const end = t0 + o.seconds * 1000;
  const untilOk = o.untilOk ?? Infinity;
  let stoppedAt = 0;
  const inWindow = () => {
    const now = Date.now();
    return now >= t0 && now <= end && !stoppedAt;
  };
  const worker = async () => {
    while (Date.now() < end && !stoppedAt) {
      const t = performance.now();
      try {
        const status = await step(agent);
        const good = status >= 200 && status < 300;
        if (good) o.onOk?.();
        if (!inWindow()) continue;
        s.lat.push(performance.now() - t);
        s.at.push(Date.now() - t0);
        s.statuses[status] = (s.statuses[status] ?? 0) + 1;
        if (good && ++s.ok >= untilOk) stoppedAt = Date.now();
        if (!good) s.errors++;
      } catch (e) {
        if (!inWindow()) continue;
        s.errors++;
        if (e instanceof RequestTimeout) s.timeouts++;
      }
    }
  };
  await Promise.all(Array.from({ length: o.connections }, worker));
  agent.destroy();
  s.seconds = Math.max(0, (Math.min(stoppedAt || end, Date.now()) - t0) / 1000);
  return s;
}

export const pct = (sorted: Float64Array, q: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : 0;

export interface Summary {
  /** 2xx per second */
  perSec: number;
  count: number;
  p50: number;
  p99: number;
  errors: number;
  timeouts: number;
  statuses: Record<number, number>;
}

/** Several slices of one side taken together. */
export function summarize(parts: Samples[]): Summary {
  const sorted = Float64Array.from(parts.flatMap((p) => p.lat)).sort();
  const secs = parts.reduce((t, p) => t + p.seconds, 0);
  const statuses: Record<number, number> = {};
  for (const p of parts)
    for (const [k, v] of Object.entries(p.statuses)) statuses[Number(k)] = (statuses[Number(k)] ?? 0) + v;
  const ok = parts.reduce((n, p) => n + p.ok, 0);
  return {
    perSec: secs ? Math.round(ok / secs) : 0,
    count: sorted.length,
    p50: pct(sorted, 0.5),
    p99: pct(sorted, 0.99),
    errors: parts.reduce((n, p) => n + p.errors, 0),
    timeouts: parts.reduce((n, p) => n + p.timeouts, 0),
    statuses,
  };
}

/** The machine's load average now, for the figures' context ("1.2 / 3.4 / 5.6"). */
export async function loadAverage(): Promise<string> {
  const { loadavg } = await import('node:os');
  return loadavg()
    .map((x) => x.toFixed(2))
    .join(' / ');
}
