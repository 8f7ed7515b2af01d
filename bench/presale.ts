/**
 * Presale benchmark, in one run on this machine:
 *   (a) baseline: a bare node:http server doing the same Redis Lua reservation;
 *   (b) the real API (`scenic api`, a child process) on its presale hold path;
 *   both driven by the same closed-loop generator (keep-alive, `--connections`
 *   concurrent requests, `--seconds` each in total, taken in `--rounds` alternating
 *   slices so a drift of the machine's speed hits both sides alike), then
 *   (c) a presale: `--buyers` buyers arrive over `--arrival` seconds at the waiting
 *   room of a slot with `--stock` tickets, wait their turn (429 + Retry-After),
 *   and hold one ticket each once admitted.
 * An OTA partner also reserves on the OCTO endpoint (`POST /octo/bookings`, signed,
 * `--octo-rate` per second, open loop) on an idle API, under the hold load of (b) (a
 * second run of it, so the ratio stays like for like) and through (c), so the partner
 * API's latency is measured at the surge load. It talks to a partner-only API process
 * (SCENIC_API_ROUTES=partner, the operator's `partnerApi` Deployment), or with
 * `--octo-shared` to the same process as the public surge.
 *
 *   npm run bench:presale -- [--json] [--seconds 8] [--connections 64]
 *        [--buyers 20000] [--stock 5000] [--arrival 3] [--rate 2500] [--rounds 4] [--octo-rate 20] [--octo-shared]
 *
 * Needs DATABASE_URL and REDIS_URL (`make services`; `source /var/tmp/scenic/env`).
 * With --json the last line is one JSON object with the figures. Bounded in time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { createDb } from '../core/db/knex.js';
import { migrateLatest } from '../core/db/migrate.js';
import { upsertArea, upsertChannels } from '../core/catalog/catalog.js';
import { DEFAULT_CHANNELS } from '../core/catalog/definition.js';
import { demoArea } from '../core/catalog/demo.js';
import { createApiKey } from '../core/auth/api-keys.js';
import { limitsOf, type DayPlan } from '../core/inventory/inventory.js';
import { addDays, localParts } from '../core/time.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const args = process.argv.slice(2);
const opt = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : def;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number`);
  return v;
};
const json = args.includes('--json');
const seconds = opt('seconds', 8);
const connections = opt('connections', 64);
const buyers = Math.min(500_000, opt('buyers', 20_000));
const stock = opt('stock', 5_000);
const arrival = opt('arrival', 3);
const rate = opt('rate', 2_500);
const octoRate = opt('octo-rate', 20);
const rounds = Math.round(opt('rounds', 4));
// where the OTA's requests go: a partner-only API process (what the operator runs with
// `partnerApi.enabled`), or the same API process as the public surge
const octoVia = args.includes('--octo-shared') ? 'shared-api' : 'partner-api';
const profile = args.includes('--profile');
const say = (s: string) => console.log(json ? `# ${s}` : s);

for (const v of ['DATABASE_URL', 'REDIS_URL']) {
  if (!process.env[v]) {
    console.error(
      `bench:presale needs ${v}: run \`bash scripts/services.sh up\` and \`source /var/tmp/scenic/env\` (or \`make services\`).`,
    );
    process.exit(2);
  }
}
const DATE = addDays(localParts(new Date(), 'Asia/Shanghai').date, 30);
const schema = `bench_${randomBytes(4).toString('hex')}`;
const prefix = `bench:${randomBytes(4).toString('hex')}:`;
const env = {
  ...process.env,
  DATABASE_SCHEMA: schema,
  REDIS_PREFIX: prefix,
  SCENIC_PII_KEY: randomBytes(32).toString('base64'),
  SCENIC_LOOKUP_KEY: randomBytes(24).toString('hex'),
  SCENIC_QUEUE_JOIN_PER_MINUTE: '100000000',
  LOG_LEVEL: 'warn',
  HOST: '127.0.0.1',
};

interface OctoPhase {
  phase: string;
  count: number;
  p50: number;
  p99: number;
  max: number;
  statuses: Record<number, number>;
  errors: number;
}

interface LoadResult {
  count: number;
  perSec: number;
  p50: number;
  p99: number;
  statuses: Record<number, number>;
  errors: number;
}

function post(
  agent: Agent,
  port: number,
  path: string,
  body: string,
  headers: Record<string, string>,
): Promise<{ status: number; text: string }> {
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
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function get(
  agent: Agent,
  port: number,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; text: string; retryAfter: number }> {
  return new Promise((resolve, reject) => {
    const req = request({ agent, host: '127.0.0.1', port, method: 'GET', path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          text: Buffer.concat(chunks).toString('utf8'),
          retryAfter: Number(res.headers['retry-after'] ?? 1),
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

const pct = (sorted: Float64Array, q: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : 0;

interface Samples {
  lat: number[];
  seconds: number;
  statuses: Record<number, number>;
  errors: number;
}

/** Closed loop: `connections` requests in flight at all times for `secs` seconds, after `warmMs` unmeasured. */
async function closedLoop(
  port: number,
  path: string,
  body: string,
  headers: Record<string, string>,
  secs: number,
  warmMs = 1000,
): Promise<Samples> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const lat: number[] = [];
  const statuses: Record<number, number> = {};
  let errors = 0;
  let measuring = false;
  const warmEnd = Date.now() + warmMs;
  const end = warmEnd + secs * 1000;
  let t0 = 0;
  const worker = async () => {
    while (Date.now() < end) {
      if (!measuring && Date.now() >= warmEnd) {
        measuring = true;
        t0 = Date.now();
      }
      const s = performance.now();
      try {
        const r = await post(agent, port, path, body, headers);
        if (measuring) {
          lat.push(performance.now() - s);
          statuses[r.status] = (statuses[r.status] ?? 0) + 1;
        }
      } catch {
        if (measuring) errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  agent.destroy();
  return { lat, seconds: (Date.now() - t0) / 1000, statuses, errors };
}

function summarize(parts: Samples[]): LoadResult {
  const sorted = Float64Array.from(parts.flatMap((p) => p.lat)).sort();
  const statuses: Record<number, number> = {};
  for (const p of parts)
    for (const [k, v] of Object.entries(p.statuses)) statuses[Number(k)] = (statuses[Number(k)] ?? 0) + v;
  const secs = parts.reduce((t, p) => t + p.seconds, 0);
  return {
    count: sorted.length,
    perSec: Math.round(sorted.length / secs),
    p50: pct(sorted, 0.5),
    p99: pct(sorted, 0.99),
    statuses,
    errors: parts.reduce((n, p) => n + p.errors, 0),
  };
}

async function startChild(
  argv: string[],
  extraEnv: Record<string, string>,
  readPort: boolean,
): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, argv, {
    cwd: ROOT,
    env: { ...env, ...extraEnv },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (readPort) {
    const rl = createInterface({ input: child.stdout });
    const port = await new Promise<number>((resolve, reject) => {
      rl.once('line', (l) => resolve(Number(l)));
      child.once('exit', (c) => reject(new Error(`child exited ${c}`)));
    });
    return { child, port };
  }
  child.stdout.resume();
  const port = Number(extraEnv.PORT);
  const deadline = Date.now() + 30_000;
  const agent = new Agent();
  for (;;) {
    try {
      if ((await get(agent, port, '/healthz', {})).status === 200) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error('api did not start');
    await new Promise((r) => setTimeout(r, 200));
  }
  return { child, port };
}

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

async function main() {
  const db = createDb({ url: process.env.DATABASE_URL!, schema, poolMax: 4 });
  const redis = new Redis(process.env.REDIS_URL!);
  const children: ChildProcess[] = [];
  try {
    await migrateLatest(db, schema);
    await upsertChannels(db, DEFAULT_CHANNELS);
    const big = 10_000_000;
    const tput = demoArea({
      id: 'bench-tput',
      dailyCapacity: big,
      instantCapacity: big,
      slots: [{ id: '0900', startsAt: '09:00', endsAt: '10:00', capacity: big }],
      quotas: [],
    });
    const presale = demoArea({
      id: 'bench-presale',
      dailyCapacity: stock * 10,
      instantCapacity: stock * 10,
      slots: [{ id: '0900', startsAt: '09:00', endsAt: '10:00', capacity: stock }],
      quotas: [],
    });
    await upsertArea(db, tput);
    await upsertArea(db, presale);
    await upsertArea(
      db,
      demoArea({
        id: 'bench-octo',
        dailyCapacity: big,
        instantCapacity: big,
        slots: [{ id: '0900', startsAt: '09:00', endsAt: '10:00', capacity: big }],
        quotas: [],
      }),
    );
    const admin = (await createApiKey(db, { name: 'bench', role: 'admin' })).key;
    const holdBody = JSON.stringify({ areaId: 'bench-tput', date: DATE, slotId: '0900', quantity: 1 });
    const plan: DayPlan = {
      capacity: big,
      thresholds: { yellow: 70, orange: 85, red: 100 },
      idLimit: 5,
      hysteresisPercent: 2,
      slots: { '0900': big },
      quotas: {},
    };
    void limitsOf;

    say(
      `machine: ${(await import('node:os')).cpus().length} cores, node ${process.version}; ${connections} connections, ${seconds} s per phase`,
    );
    // (a) the baseline, measured below in turns with (b)
    const base = await startChild(
      ['--import', 'tsx', 'bench/baseline-server.ts'],
      { BENCH_PLAN: JSON.stringify(plan) },
      true,
    );
    children.push(base.child);

    // (b) the real API
    const port = await freePort();
    // --profile: a V8 CPU profile of the API process lands in bench/results/ on exit
    const api = await startChild(
      [...(profile ? ['--cpu-prof', '--cpu-prof-dir=bench/results'] : []), 'bin/scenic.mjs', 'api'],
      { PORT: String(port) },
      false,
    );
    children.push(api.child);
    const agent = new Agent({ keepAlive: true, maxSockets: 256 });
    const admHeaders = { authorization: `Bearer ${admin}` };
    const configure = (areaId: string, body: unknown) =>
      new Promise<number>((resolve, reject) => {
        const data = JSON.stringify(body);
        const req = request(
          {
            agent,
            host: '127.0.0.1',
            port,
            method: 'PUT',
            path: `/v1/admin/areas/${areaId}/waiting-room`,
            headers: {
              ...admHeaders,
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(data),
            },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', reject);
        req.end(data);
      });
    if (
      (await configure('bench-tput', {
        opensAt: new Date(Date.now() - 1000).toISOString(),
        ratePerSecond: 100_000,
        burst: 1_000_000,
        // one admission holds for the whole throughput phase (the check is still made per hold)
        unitsPerAdmission: 1_000_000,
      })) !== 200
    )
      throw new Error('could not configure the waiting room');
    const adminCall = async (method: string, path: string, body: unknown) => {
      const r = await fetch(`http://127.0.0.1:${port}${path}`, {
        method,
        headers: { ...admHeaders, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
      return (await r.json()) as Record<string, unknown>;
    };
    await adminCall('PUT', '/v1/admin/partners/bench-ota', { name: 'Bench OTA', commissionBps: 1000 });
    const cred = await adminCall('POST', '/v1/admin/partners/bench-ota/keys', {});
    let octoPort = port;
    if (octoVia === 'partner-api') {
      octoPort = await freePort();
      children.push(
        (
          await startChild(
            ['bin/scenic.mjs', 'api'],
            { PORT: String(octoPort), SCENIC_API_ROUTES: 'partner' },
            false,
          )
        ).child,
      );
    }
    const prober = spawn(process.execPath, ['--import', 'tsx', 'bench/octo-prober.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        BENCH_API_URL: `http://127.0.0.1:${octoPort}`,
        BENCH_KEY_ID: String(cred.keyId),
        BENCH_SECRET: String(cred.secret),
        BENCH_DATE: DATE,
        BENCH_PRODUCT: 'bench-octo',
        BENCH_OCTO_RATE: String(octoRate),
      },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    children.push(prober);
    const proberLines = createInterface({ input: prober.stdout });
    const octoRun = () => prober.stdin.write('run\n');
    const octoReport = (name: string) =>
      new Promise<OctoPhase>((resolve, reject) => {
        proberLines.once('line', (l) => resolve(JSON.parse(l) as OctoPhase));
        prober.once('exit', (c) => reject(new Error(`octo prober exited ${c}`)));
        prober.stdin.write(`report ${name}\n`);
      });
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    octoRun();
    await sleep(2000);
    await octoReport('warm-up'); // its first requests pay for module loading, sockets and caches
    octoRun();
    await sleep(3000);
    const octoIdle = await octoReport('idle');
    const joined = JSON.parse(
      (
        await post(
          agent,
          port,
          '/v1/queue/bench-tput/join',
          JSON.stringify({ deviceId: 'bench-device-0001' }),
          {},
        )
      ).text,
    ) as { admissionToken: string };
    const holdHeaders = { 'x-admission-token': joined.admissionToken, 'x-device-id': 'bench-device-0001' };
    // (a) and (b) in alternating slices: the two cores' speed drifts by ±20 % over a run on
    // a shared machine, and taking the two sides in turns makes the drift hit both alike
    const baseParts: Samples[] = [];
    const apiParts: Samples[] = [];
    for (let r = 0; r < rounds; r++) {
      const warm = r === 0 ? 1000 : 300;
      baseParts.push(await closedLoop(base.port, '/holds', holdBody, {}, seconds / rounds, warm));
      apiParts.push(
        await closedLoop(port, '/v1/presale/holds', holdBody, holdHeaders, seconds / rounds, warm),
      );
    }
    base.child.kill('SIGTERM');
    const baseline = summarize(baseParts);
    const apiRes = summarize(apiParts);
    const perRound = baseParts
      .map((b, i) => (apiParts[i]!.lat.length / apiParts[i]!.seconds / (b.lat.length / b.seconds)).toFixed(2))
      .join(' ');
    say(
      `baseline (node:http + Lua): ${baseline.perSec} holds/s, p50 ${baseline.p50.toFixed(2)} ms, p99 ${baseline.p99.toFixed(2)} ms, ${JSON.stringify(baseline.statuses)}`,
    );
    say(
      `api hold path:              ${apiRes.perSec} holds/s, p50 ${apiRes.p50.toFixed(2)} ms, p99 ${apiRes.p99.toFixed(2)} ms, ${JSON.stringify(apiRes.statuses)}; ratio per round ${perRound}`,
    );
    // the same hold load again with an OTA reserving alongside (the ratio above stays like for like)
    octoRun();
    const apiWithOcto = summarize([
      await closedLoop(port, '/v1/presale/holds', holdBody, holdHeaders, seconds),
    ]);
    const octoB = await octoReport('hold-load');
    const octoLine = (o: OctoPhase) =>
      `${o.count} reserves at ${octoRate}/s via the ${octoVia}: p50 ${o.p50.toFixed(1)} ms, p99 ${o.p99.toFixed(1)} ms, max ${o.max.toFixed(1)} ms, ${JSON.stringify(o.statuses)}`;
    say(`OCTO reserve, idle API:     ${octoLine(octoIdle)}`);
    say(
      `OCTO reserve, hold load:    ${octoLine(octoB)} (holds meanwhile ${apiWithOcto.perSec}/s, p99 ${apiWithOcto.p99.toFixed(2)} ms)`,
    );

    // (c) the presale through the waiting room
    const opensAt = Date.now() + 1000;
    await configure('bench-presale', {
      opensAt: new Date(opensAt).toISOString(),
      ratePerSecond: rate,
      burst: Math.min(1000, rate),
    });
    // holds get their own sockets, so their latency is the server's, not the client's queue
    const holdAgent = new Agent({ keepAlive: true, maxSockets: 64 });
    let sold = 0;
    let soldOut = 0;
    let rejected429 = 0;
    let shed429 = 0;
    let errors = 0;
    let admitted = 0;
    const holdLat: number[] = [];
    const deadline = Date.now() + arrival * 1000 + 60_000;
    const buyer = async (i: number) => {
      await new Promise((r) => setTimeout(r, (i / buyers) * arrival * 1000));
      try {
        const join = () =>
          post(
            agent,
            port,
            '/v1/queue/bench-presale/join',
            JSON.stringify({ deviceId: `buyer-device-${i}` }),
            {},
          );
        let r: { status: number; text: string } = await join();
        let state = JSON.parse(r.text) as {
          queueToken?: string;
          admissionToken?: string | null;
          retryAfterSeconds: number;
          code?: string;
        };
        let queueToken = state.queueToken;
        while (r.status === 429 && Date.now() < deadline) {
          rejected429++;
          if (state.code === 'waiting_room_busy') shed429++;
          await new Promise((res) => setTimeout(res, state.retryAfterSeconds * 1000));
          // a shed join is not in line yet: join again; otherwise ask where we stand
          r = queueToken
            ? await get(agent, port, '/v1/queue/bench-presale/status', { 'x-queue-token': queueToken })
            : await join();
          if (r.status >= 500) break;
          state = JSON.parse(r.text) as typeof state;
          queueToken ??= state.queueToken;
        }
        if (r.status !== 200 || !state.admissionToken) {
          if (r.status >= 500) errors++;
          return;
        }
        admitted++;
        const t = performance.now();
        const h = await post(
          holdAgent,
          port,
          '/v1/presale/holds',
          JSON.stringify({ areaId: 'bench-presale', date: DATE, slotId: '0900', quantity: 1 }),
          { 'x-admission-token': state.admissionToken, 'x-device-id': `buyer-device-${i}` },
        );
        holdLat.push(performance.now() - t);
        if (h.status === 201) sold++;
        else if (h.status === 409) soldOut++;
        else errors++;
      } catch {
        errors++;
      }
    };
    const t0 = Date.now();
    octoRun();
    await Promise.all(Array.from({ length: buyers }, (_, i) => buyer(i)));
    const octoC = await octoReport('presale');
    prober.stdin.end();
    const presaleSeconds = (Date.now() - t0) / 1000;
    const usedRaw = await redis.hget(`${prefix}inv:{bench-presale}:${DATE}`, 's:0900:used');
    const used = Number(usedRaw ?? 0);
    const oversold = Math.max(0, Math.max(sold, used) - stock);
    const hs = Float64Array.from(holdLat).sort();
    say(
      `presale: ${buyers} buyers over ${arrival} s, stock ${stock}, admission ${rate}/s: sold ${sold}, sold-out answers ${soldOut}, 429s ${rejected429} (${shed429} shed as busy), errors ${errors}, ${presaleSeconds.toFixed(1)} s; admitted holds p50 ${pct(hs, 0.5).toFixed(2)} ms p99 ${pct(hs, 0.99).toFixed(2)} ms`,
    );
    say(`OCTO reserve, presale:      ${octoLine(octoC)}`);
    await new Promise<void>((resolve) => {
      api.child.once('exit', () => resolve());
      api.child.kill('SIGTERM');
    });
    agent.destroy();
    holdAgent.destroy();

    const out = {
      baselineHoldsPerSec: baseline.perSec,
      apiHoldsPerSec: apiRes.perSec,
      ratio: Number((apiRes.perSec / baseline.perSec).toFixed(3)),
      p50Ms: Number(apiRes.p50.toFixed(2)),
      p99Ms: Number(apiRes.p99.toFixed(2)),
      baselineP99Ms: Number(baseline.p99.toFixed(2)),
      buyers,
      stock,
      sold,
      oversold,
      rejected429,
      shed429,
      errors:
        errors +
        baseline.errors +
        apiRes.errors +
        apiWithOcto.errors +
        octoIdle.errors +
        octoB.errors +
        octoC.errors,
      admitted,
      presaleHoldP99Ms: Number(pct(hs, 0.99).toFixed(2)),
      presaleSeconds: Number(presaleSeconds.toFixed(1)),
      octoVia,
      octoReserves: octoB.count + octoC.count,
      octoReserveP50Ms: Number(Math.max(octoB.p50, octoC.p50).toFixed(1)),
      octoReserveP99Ms: Number(Math.max(octoB.p99, octoC.p99).toFixed(1)),
      octoReserveMaxMs: Number(Math.max(octoB.max, octoC.max).toFixed(1)),
      octoErrors: octoIdle.errors + octoB.errors + octoC.errors,
      octoReserveIdleP99Ms: octoIdle.p99,
      connections,
      seconds,
      rounds,
    };
    if (profile)
      say(
        'cpu profile written to bench/results/ (open in Chrome DevTools, or: npx tsx bench/profile-top.ts bench/results/<file>)',
      );
    if (json) console.log(JSON.stringify(out));
    else console.log(out);
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await db.raw('drop schema if exists ?? cascade', [schema]).catch(() => undefined);
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 5000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
    redis.disconnect();
    await db.destroy();
  }
}

main().catch((e: unknown) => {
  console.error('bench:presale failed:', e);
  process.exitCode = 1;
});
