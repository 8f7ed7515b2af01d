/**
 * Order benchmark (issue 19), in one run: (a) a baseline — a bare node:http server doing
 * the essential work of an order (bench/orders-baseline.ts) — and (b) the real API's
 * `POST /v1/orders` (`scenic api`, a child process), one ticket per order, a distinct
 * valid resident ID number per order, both driven alternately by the same closed-loop
 * generator at each of `--connections` (default 8,32,64). Postgres and Redis are the
 * benchmark's own (scripts/bench-services.sh: fsync=on, synchronous_commit=on); `--dev`
 * uses DATABASE_URL/REDIS_URL (the dev settings: fsync=off) instead.
 *
 *   npm run bench:orders -- [--json] [--seconds 6] [--rounds 2] [--connections 8,32,64]
 *        [--long 200000] [--holds 1000000] [--dev] [--profile] [--api-processes 2] [--no-pin]
 *
 * Placement (bench/procs.ts `placeOnCores`): the baseline and the API run on core 0, the
 * load generator (this process), Postgres and Redis on the other cores, for the whole
 * run; `--no-pin` leaves every process to the scheduler (and `--dev`, whose services are
 * shared, never pins). The run reports it (`placement`).
 *
 * `--long N`: after the comparison, the API alone at 32 connections until N orders are in
 * the books; `lastTenthVsFirstTenth` compares its throughput over the last tenth of that
 * run with the first. `slowestRedisMs` is Redis's own latency monitor (LATENCY LATEST)
 * over the whole run. `inDb` is counted in Postgres afterwards and must equal every 2xx
 * answered (warm-ups included). `--holds N`: N presale holds of one unit each sit in the
 * benchmark's area-day before the run (written straight into its hashes, counters to
 * match), and the reconciler's recount (`Inventory.recount`, in bounded steps) runs over
 * them and the orders every 60 s all along, as the worker does. Last line with --json:
 * {"baselineOrdersPerSec","apiOrdersPerSec","ratio","p50Ms","p99Ms","orders","inDb","oversold",
 *  "errors","slowestRedisMs","lastTenthVsFirstTenth"} (rates, ratio and latencies at 32 connections),
 * then detail: per connection count the rates and `machineBusy` (the share of both cores'
 * time busy during each side's slices, every process counted), and `redisScheduling` (the
 * policy of Redis's main thread: scripts/bench-services.sh makes it SCHED_RR, why is there).
 */
import type { ChildProcess } from 'node:child_process';
import { benchServices, dropKeys } from './order-fixture.js';
import {
  freePort,
  machineCpu,
  placeOnCores,
  processCpuMs,
  schedulingOf,
  startApi,
  startPrinter,
  type Placement,
} from './procs.js';
import { randomBytes, randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { Redis } from 'ioredis';
import { createDb } from '../core/db/knex.js';
import { migrateLatest } from '../core/db/migrate.js';
import { upsertArea, upsertChannels } from '../core/catalog/catalog.js';
import { DEFAULT_CHANNELS } from '../core/catalog/definition.js';
import { demoArea } from '../core/catalog/demo.js';
import { residentIdCheckChar } from '../core/pii/id-number.js';
import { invKeys } from '../core/inventory/keys.js';
import { Inventory, type DayPlan } from '../core/inventory/inventory.js';
import { systemClock } from '../core/clock.js';
import { addDays, localParts } from '../core/time.js';

const args = process.argv.slice(2);
const opt = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : def;
};
const num = (name: string, def: number) => {
  const v = Number(opt(name, String(def)));
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${name} must be a number`);
  return v;
};
const json = args.includes('--json');
const dev = args.includes('--dev');
const profile = args.includes('--profile');
const seconds = num('seconds', 6);
const rounds = Math.max(1, Math.round(num('rounds', 2)));
const conns = opt('connections', '8,32,64').split(',').map(Number);
const long = num('long', 0);
const holds = Math.round(num('holds', 0));
/** The worker's reconcile cadence (workers/main.ts), for the recount under `--holds` */
const RECOUNT_EVERY_MS = 60_000;
// API processes side by side, each on its own port, the connections dealt out among them
// (what the chart's replicas do behind a Service); the baseline stays one process
const apiProcesses = Math.max(1, Math.round(num('api-processes', 1)));
const pin = !args.includes('--no-pin') && !dev;
const say = (s: string) => console.log(json ? `# ${s}` : s);

const svc = benchServices(!dev, 'bench:orders');
const DATE = addDays(localParts(new Date(), 'Asia/Shanghai').date, 30);
const schema = `bench_${randomBytes(4).toString('hex')}`;
const prefix = `bench:${randomBytes(4).toString('hex')}:`;
const env = {
  ...process.env,
  DATABASE_URL: svc.db,
  REDIS_URL: svc.redis,
  DATABASE_SCHEMA: schema,
  REDIS_PREFIX: prefix,
  SCENIC_PII_KEY: randomBytes(32).toString('base64'),
  SCENIC_LOOKUP_KEY: randomBytes(24).toString('hex'),
  SCENIC_RATE_WRITES_PER_MINUTE: '1000000',
  SCENIC_RATE_READS_PER_MINUTE: '1000000',
  SCENIC_ANON_HELD_UNITS: '1000000',
  LOG_LEVEL: 'warn',
  HOST: '127.0.0.1',
};

let person = 0;
/** A distinct valid resident ID number per order: 1,000 sequence numbers per birth date. */
function nextId(): string {
  const n = person++;
  const birth = new Date(Date.UTC(1950, 0, 1) + Math.floor(n / 1000) * 86_400_000);
  const first17 = `330106${birth.toISOString().slice(0, 10).replaceAll('-', '')}${String(n % 1000).padStart(3, '0')}`;
  return first17 + residentIdCheckChar(first17);
}
const orderBody = () =>
  JSON.stringify({
    areaId: 'bench-orders',
    date: DATE,
    slotId: '0900',
    items: [{ productId: 'adult', visitors: [{ name: '张三', idNumber: nextId() }] }],
  });

function post(agent: Agent, port: number, path: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: '127.0.0.1',
        port,
        method: 'POST',
        path,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'idempotency-key': randomUUID(),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

interface Samples {
  lat: number[];
  /** completion times (ms since the start of measuring), for throughput over time */
  at: number[];
  seconds: number;
  ok: number;
  statuses: Record<number, number>;
  errors: number;
  /** share of both cores' time busy while measuring (every process on the machine) */
  busy: number;
  /** CPU ms the server process(es) spent while measuring */
  serverCpuMs: number;
}

let okTotal = 0;
/** Closed loop: `c` requests in flight for `secs` s (or until `orders` 2xx), after `warmMs` unmeasured. */
async function closedLoop(
  port: number | readonly number[],
  path: string,
  c: number,
  secs: number,
  warmMs: number,
  orders = Infinity,
  servers: readonly (number | undefined)[] = [],
) {
  const serverCpu = () => servers.reduce<number>((t, pid) => t + processCpuMs(pid), 0);
  const agent = new Agent({ keepAlive: true, maxSockets: c });
  const s: Samples = { lat: [], at: [], seconds: 0, ok: 0, statuses: {}, errors: 0, busy: 0, serverCpuMs: 0 };
  let cpu0 = machineCpu();
  let server0 = serverCpu();
  const warmEnd = Date.now() + warmMs;
  const end = warmEnd + secs * 1000;
  let t0 = 0;
  const ports = typeof port === 'number' ? [port] : port;
  const worker = async (_: unknown, i: number) => {
    const to = ports[i % ports.length]!;
    while (Date.now() < end && s.ok < orders) {
      const measuring = Date.now() >= warmEnd;
      if (measuring && !t0) {
        t0 = Date.now();
        cpu0 = machineCpu();
        server0 = serverCpu();
      }
      const t = performance.now();
      try {
        const status = await post(agent, to, path, orderBody());
        if (status >= 200 && status < 300) okTotal++;
        if (measuring) {
          s.lat.push(performance.now() - t);
          s.at.push(Date.now() - t0);
          s.statuses[status] = (s.statuses[status] ?? 0) + 1;
          if (status >= 200 && status < 300) s.ok++;
          else s.errors++;
        }
      } catch {
        if (measuring) s.errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: c }, worker));
  agent.destroy();
  s.seconds = (Date.now() - t0) / 1000;
  const cpu = machineCpu();
  s.busy = (cpu.busy - cpu0.busy) / Math.max(1, cpu.total - cpu0.total);
  s.serverCpuMs = serverCpu() - server0;
  return s;
}

const round2 = (x: number) => Math.round(x * 100) / 100;
const pctOf = (x: number) => `${Math.round(x * 100)}%`;
const pct = (sorted: Float64Array, q: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : 0;
function summarize(parts: Samples[]) {
  const sorted = Float64Array.from(parts.flatMap((p) => p.lat)).sort();
  const secs = parts.reduce((t, p) => t + p.seconds, 0);
  const ok = parts.reduce((n, p) => n + p.ok, 0);
  return {
    perSec: Math.round(ok / secs),
    p50: pct(sorted, 0.5),
    p99: pct(sorted, 0.99),
    errors: parts.reduce((n, p) => n + p.errors, 0),
    busy: secs ? parts.reduce((t, p) => t + p.busy * p.seconds, 0) / secs : 0,
    // what the server process spent per order answered 2xx (the slices' work is nearly all orders)
    cpuMsPerOrder: ok ? parts.reduce((t, p) => t + p.serverCpuMs, 0) / ok : 0,
    statuses: parts.map((p) => p.statuses),
  };
}

/**
 * `n` unpaid presale holds of one unit in the area-day, as the reserve script records them
 * (one record and one ID each), written in pipelined pages; the day's, slot's and
 * channel's counters raised to match, so a recount finds nothing to repair.
 */
async function seedHolds(r: Redis, n: number): Promise<void> {
  const k = invKeys('bench-orders', DATE);
  const now = Date.now();
  for (let page = 0; page < n; page += 10_000) {
    const p = r.pipeline();
    for (let at = page; at < Math.min(n, page + 10_000); at += 1000) {
      const res: string[] = [];
      const ids: string[] = [];
      for (let i = at; i < Math.min(n, at + 1000); i++) {
        const rec = {
          s: '0900',
          c: 'web',
          u: 1,
          i: [`hold${i}`],
          h: 1,
          e: now + 86_400_000,
          t: now,
          n: i + 1,
          d: 0,
        };
        res.push(`presale${i}`, JSON.stringify(rec));
        ids.push(`hold${i}`, '1');
      }
      p.hset(k.res, ...res);
      p.hset(k.ids, ...ids);
    }
    await p.exec();
  }
  await r.hincrby(k.day, 'used', n);
  await r.hincrby(k.day, 's:0900:used', n);
  await r.hincrby(k.day, 'c:web:used', n);
}

async function main() {
  const db = createDb({ url: svc.db, schema, poolMax: 4 });
  const redis = new Redis(svc.redis);
  const children: ChildProcess[] = [];
  // --holds: the inventory's own connection (its keys carry the API's prefix) and the recount's tally
  const prefixed = new Redis(svc.redis, { keyPrefix: prefix, lazyConnect: true });
  const recounts = { calls: 0, repairs: 0, longestMs: 0 };
  /** when recounts ran (ms since the epoch), for the long run's tenths */
  const recountSpans: [number, number][] = [];
  let stopping = false;
  let placement: Placement | undefined;
  let recountTimer: NodeJS.Timeout | undefined;
  try {
    await migrateLatest(db, schema);
    await upsertChannels(db, DEFAULT_CHANNELS);
    const big = 10_000_000;
    const area = demoArea({
      id: 'bench-orders',
      dailyCapacity: big,
      instantCapacity: big,
      slots: [{ id: '0900', startsAt: '09:00', endsAt: '10:00', capacity: big }],
      quotas: [],
    });
    await upsertArea(db, area);
    const plan: DayPlan = {
      capacity: big,
      thresholds: { yellow: 70, orange: 85, red: 100 },
      idLimit: 5,
      hysteresisPercent: 2,
      slots: { '0900': big },
      quotas: {},
    };
    const pg = (
      await db.raw<{ rows: { s: string }[] }>(
        `select current_setting('fsync') || '/' || current_setting('synchronous_commit') as s`,
      )
    ).rows[0]!.s;
    say(
      `machine: ${(await import('node:os')).cpus().length} cores, node ${process.version}; postgres fsync/synchronous_commit ${pg}; ${seconds} s per side and connection count`,
    );
    if (holds > 0) {
      const inv = new Inventory(prefixed, {
        prefix,
        clock: systemClock,
        loadPlan: () => Promise.resolve(plan),
      });
      await inv.init('bench-orders', DATE, plan);
      const t = Date.now();
      await seedHolds(prefixed, holds);
      say(
        `${holds} presale holds in the area-day in ${((Date.now() - t) / 1000).toFixed(0)} s; recount every 60 s`,
      );
      // one cut short by the end of the run is no failure
      const recountFailed = (e: unknown) => void (stopping || say(`recount failed: ${String(e)}`));
      const recount = async () => {
        const t0 = Date.now();
        recounts.calls++; // a call that finds a recount running returns at once
        // a pass still running when the long run ends counts up to then
        const span: [number, number] = [t0, Infinity];
        recountSpans.push(span);
        recounts.repairs += (await inv.recount('bench-orders', DATE)).length;
        recounts.longestMs = Math.max(recounts.longestMs, Date.now() - t0);
        span[1] = Date.now();
      };
      // The first at once, then as the worker's reconcile job runs: a repeatable job every
      // 60 s on a worker of concurrency 1 (workers/main.ts), so a pass that outlasts 60 s
      // is followed at once by the next one, which was due meanwhile. (A timer that skipped
      // the ticks missed left gaps the worker does not have: the long run's tenths then
      // differed by whether a recount ran beside them, not by the books.)
      const cadence = async () => {
        while (!stopping) {
          const t0 = Date.now();
          await recount().catch(recountFailed);
          const wait = RECOUNT_EVERY_MS - (Date.now() - t0);
          if (wait > 0 && !stopping) await new Promise((r) => (recountTimer = setTimeout(r, wait)));
        }
      };
      void cadence();
    }
    const redisPid = Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1]);
    if (pin) {
      const dir = (await db.raw<{ rows: { d: string }[] }>(`select current_setting('data_directory') as d`))
        .rows[0]!.d;
      placement = placeOnCores({ redisPid, postgresDataDir: dir });
      say(
        `placement: baseline and API on core ${placement.servers}; generator, Postgres, Redis on ${placement.others}`,
      );
    }
    await redis.config('SET', 'latency-monitor-threshold', '1');
    await redis.latency('RESET');

    const base = await startPrinter(['--import', 'tsx', 'bench/orders-baseline.ts'], {
      ...env,
      BENCH_PLAN: JSON.stringify(plan),
    });
    children.push(base.child);
    placement?.server(base.child.pid);
    const port: number[] = [];
    const apiPids: (number | undefined)[] = [];
    for (let i = 0; i < apiProcesses; i++) {
      const api = await startApi(
        env,
        await freePort(),
        profile ? ['--cpu-prof', '--cpu-prof-dir=bench/results'] : [],
      );
      children.push(api.child);
      apiPids.push(api.child.pid);
      placement?.server(api.child.pid);
      port.push(api.port);
    }

    const by: Record<number, { base: ReturnType<typeof summarize>; api: ReturnType<typeof summarize> }> = {};
    for (const c of conns) {
      const b: Samples[] = [];
      const a: Samples[] = [];
      for (let r = 0; r < rounds; r++) {
        const warm = r === 0 ? 1000 : 300;
        b.push(await closedLoop(base.port, '/orders', c, seconds / rounds, warm, Infinity, [base.child.pid]));
        a.push(await closedLoop(port, '/v1/orders', c, seconds / rounds, warm, Infinity, apiPids));
      }
      by[c] = { base: summarize(b), api: summarize(a) };
      const { base: sb, api: sa } = by[c];
      say(
        `${String(c).padStart(2)} connections: baseline ${sb.perSec}/s p50 ${sb.p50.toFixed(1)} p99 ${sb.p99.toFixed(1)} ms cpu ${pctOf(sb.busy)} ${sb.cpuMsPerOrder.toFixed(2)} ms/order | api ${sa.perSec}/s p50 ${sa.p50.toFixed(1)} p99 ${sa.p99.toFixed(1)} ms cpu ${pctOf(sa.busy)} ${sa.cpuMsPerOrder.toFixed(2)} ms/order, ratio ${(sa.perSec / sb.perSec).toFixed(2)}, ${JSON.stringify(sa.statuses)}`,
      );
    }
    base.child.kill('SIGTERM');

    let lastTenthVsFirstTenth: number | null = null;
    let tenths: number[] | null = null;
    let recountShare: number[] | null = null;
    let longStartedAt = 0;
    if (long > 0) {
      const need = Math.max(0, long - Number((await db('orders').count<{ n: string }[]>('* as n'))[0]!.n));
      say(`long run: the API at 32 connections until ${long} orders are in the books (${need} to go)`);
      longStartedAt = Date.now() + 300;
      const s = await closedLoop(port, '/v1/orders', 32, 3600, 300, need);
      const span = s.at.length ? s.at[s.at.length - 1]! : 0;
      const tenth = span / 10;
      const first = s.at.filter((t) => t <= tenth).length;
      const last = s.at.filter((t) => t > span - tenth).length;
      // orders per tenth, and the share of each tenth a recount was running in
      tenths = Array.from({ length: 10 }, () => 0);
      for (const t of s.at) tenths[Math.min(9, Math.floor(t / Math.max(1, tenth)))]! += 1;
      const longStart = longStartedAt;
      recountShare = Array.from({ length: 10 }, (_, i) => {
        const from = longStart + i * tenth;
        const to = from + tenth;
        const covered = recountSpans.reduce(
          (t, [a, b]) => t + Math.max(0, Math.min(b, to) - Math.max(a, from)),
          0,
        );
        return round2(covered / tenth);
      });
      lastTenthVsFirstTenth = first ? Math.round((last / first) * 100) / 100 : null;
      say(
        `long run: ${s.ok} orders in ${s.seconds.toFixed(0)} s, first tenth ${first}, last tenth ${last}; ${s.errors} errors`,
      );
      by[-1] = { base: summarize([]), api: summarize([s]) };
    }

    const latest = (await redis.latency('LATEST')) as [string, number, number, number][];
    const slowestRedisMs = Math.max(0, ...latest.map((e) => e[3]));
    // scripts/bench-services.sh gives its Redis real-time priority (why: there)
    const redisScheduling = schedulingOf(redisPid, 'redis');
    const inDb = Number((await db('orders').count<{ n: string }[]>('* as n'))[0]!.n);
    const used = Number((await redis.hget(`${prefix}${invKeys('bench-orders', DATE).day}`, 'used')) ?? 0);
    const at32 = by[32] ?? by[conns[0]!]!;
    const errors = Object.values(by).reduce((n, x) => n + x.api.errors + x.base.errors, 0);
    const figures = {
      baselineOrdersPerSec: at32.base.perSec,
      apiOrdersPerSec: at32.api.perSec,
      ratio: Math.round((at32.api.perSec / at32.base.perSec) * 100) / 100,
      p50Ms: Math.round(at32.api.p50 * 10) / 10,
      p99Ms: Math.round(at32.api.p99 * 10) / 10,
      orders: okTotal,
      inDb,
      // more units held than the slot has, or than the books say were sold
      oversold: Math.max(0, used - big, used - holds - inDb),
      errors,
      slowestRedisMs,
      lastTenthVsFirstTenth,
      apiProcesses,
      // the long run: orders per tenth, and how much of each tenth had a recount beside it
      longRun: tenths ? { ordersPerTenth: tenths, recountShare } : null,
      byConnections: Object.fromEntries(
        conns.map((c) => [
          c,
          {
            baseline: by[c]!.base.perSec,
            api: by[c]!.api.perSec,
            p50Ms: Math.round(by[c]!.api.p50 * 10) / 10,
            p99Ms: Math.round(by[c]!.api.p99 * 10) / 10,
            // how busy both cores were: near 1, the machine itself is the limit
            machineBusy: { baseline: round2(by[c]!.base.busy), api: round2(by[c]!.api.busy) },
            // CPU of the server process(es) per order: what the API costs beside the bare baseline
            serverCpuMsPerOrder: {
              baseline: round2(by[c]!.base.cpuMsPerOrder),
              api: round2(by[c]!.api.cpuMsPerOrder),
            },
          },
        ]),
      ),
      redisLatency: latest,
      redisScheduling,
      placement: placement ? { servers: placement.servers, others: placement.others } : null,
      holds,
      recounts: holds > 0 ? recounts : null,
      postgres: pg,
    };
    if (inDb !== okTotal) say(`MISMATCH: ${okTotal} 2xx answered, ${inDb} orders in Postgres`);
    console.log(json ? JSON.stringify(figures) : figures);
  } finally {
    stopping = true;
    placement?.undo();
    clearTimeout(recountTimer);
    prefixed.disconnect();
    for (const c of children) c.kill('SIGTERM');
    await db.raw('drop schema if exists ?? cascade', [schema]).catch(() => undefined);
    await db.destroy();
    await dropKeys(redis, prefix);
    redis.disconnect();
  }
}

await main();
