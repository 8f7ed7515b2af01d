/**
 * Gate benchmark: one gate agent (a real `scenic gate` process) verifying QR tokens
 * offline over its local HTTP API on 127.0.0.1, every decision journaled (fsync'd)
 * before the answer, as at a turnstile.
 *
 *   npm run bench:gate -- [--json] [--seconds 8] [--lanes 1] [--tickets 20000]
 *
 * A stub centre serves keys, rules and a manifest of `--tickets` tickets for the
 * agent's first sync, then goes away: the agent is offline for the whole measurement.
 * `--lanes` clients scan concurrently (keep-alive), each scan a distinct ticket; the default,
 * one client scanning back to back, is already ~40 times the load of 30 lanes at the
 * product's 30 people/min each. More lanes measure saturation throughput.
 * Prints verifications per second and latency percentiles; with --json the last line
 * is `{"verifyPerSec":…,"p99Ms":…}` (plus p50Ms, maxMs, scans, lanes). Bounded in time.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { generateSigningKey, signTicket } from '../core/tickets/token.js';
import type { ManifestTicket } from '../core/checkin/protocol.js';

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
const lanes = opt('lanes', 1);
const ticketCount = opt('tickets', 20_000);
const say = (s: string) => console.log(json ? `# ${s}` : s);

const AREA = 'bench-area';
const today = new Date().toISOString().slice(0, 10);
const key = generateSigningKey('kbench');
const tokens: string[] = [];
const manifest: ManifestTicket[] = [];
for (let i = 0; i < ticketCount; i++) {
  const ticketId = randomUUID();
  tokens.push(
    signTicket(key, {
      ticketId,
      areaId: AREA,
      date: today,
      slotStartMin: 0,
      slotEndMin: 1439,
      productId: 'adult',
      entriesAllowed: 1,
    }),
  );
  manifest.push({
    ticketId,
    orderId: randomUUID(),
    productId: 'adult',
    date: today,
    validUntil: null,
    slotStartMin: 0,
    slotEndMin: 1439,
    entriesAllowed: 1,
    entriesUsedElsewhere: 0,
    exitsUsedElsewhere: 0,
    units: 1,
    status: 'valid',
    idHash: null,
    cardUid: null,
  });
}
const presence = { areaId: AREA, date: today, inPark: 0, entries: 0, exits: 0, instantCapacity: 0 };

/** The stub centre: just enough of /gate/v1 for a first sync. */
function startCentre(): Promise<Server> {
  const routes: Record<string, unknown> = {
    '/gate/v1/keys': { keys: [{ kid: key.kid, publicKey: key.publicRaw }] },
    '/gate/v1/rules': {
      gate: { id: 'bench', kind: 'turnstile' },
      rules: {
        areaId: AREA,
        entranceId: 'main',
        timezone: 'UTC',
        instantCapacity: 0,
        graceBeforeMin: 30,
        graceAfterMin: 60,
        products: { adult: { entrances: null, releaseOnExit: false } },
      },
      presence,
    },
    '/gate/v1/manifest': {
      areaId: AREA,
      date: today,
      manifestKey: 'bench-manifest-key',
      cursor: 0,
      tickets: manifest,
      next: null,
    },
    '/gate/v1/changes': { cursor: 0, tickets: [], more: false, presence },
  };
  const server = createServer((req, res) => {
    const body = routes[(req.url ?? '').split('?')[0]!];
    if (req.method === 'POST') {
      res.writeHead(503).end();
      return;
    }
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' }).end(JSON.stringify(body ?? {}));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function get(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      let s = '';
      res.on('data', (c: Buffer) => (s += c.toString()));
      res.on('end', () => resolve(s));
    })
      .on('error', reject)
      .end();
  });
}

async function main(): Promise<void> {
  const hardStop = setTimeout(
    () => {
      console.error('bench:gate: hard time limit reached');
      process.exit(2);
    },
    (seconds + 60) * 1000,
  );
  hardStop.unref();

  const centre = await startCentre();
  const dir = mkdtempSync(join(tmpdir(), 'scenic-bench-gate-'));
  const child = spawn(process.execPath, ['bin/scenic.mjs', 'gate'], {
    cwd: ROOT,
    env: {
      ...process.env,
      LOG_LEVEL: 'info',
      SCENIC_GATE_API_URL: `http://127.0.0.1:${(centre.address() as AddressInfo).port}/gate/v1`,
      SCENIC_GATE_CREDENTIAL: `sgd1.bench.${'b'.repeat(43)}`,
      SCENIC_GATE_JOURNAL: join(dir, 'journal.db'),
      SCENIC_GATE_PORT: '0',
      SCENIC_GATE_SYNC_INTERVAL_MS: '1000',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const cleanup = () => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once('exit', (c) => reject(new Error(`gate agent exited with ${c}`)));
      createInterface({ input: child.stdout }).on('line', (line) => {
        try {
          const j = JSON.parse(line) as { msg?: string; port?: number };
          if (j.msg === 'gate agent listening' && j.port) resolve(j.port);
        } catch {
          /* not a log line */
        }
      });
    });
    // First sync, then the centre goes away: everything below is offline.
    for (let i = 0; ; i++) {
      const h = JSON.parse(await get(port, '/health')) as { ready: boolean; manifestTickets: number };
      if (h.ready && h.manifestTickets === ticketCount) break;
      if (i > 600) throw new Error('agent did not sync its manifest');
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise<void>((r) => {
      centre.closeAllConnections();
      centre.close(() => r());
    });
    say(`gate agent on 127.0.0.1:${port}, ${ticketCount} tickets in its manifest, centre gone (offline)`);

    const agent = new Agent({ keepAlive: true, maxSockets: lanes });
    let next = 0;
    const scan = (): Promise<number> =>
      new Promise((resolve, reject) => {
        const body = JSON.stringify({ qr: tokens[next++ % tokens.length] });
        const t0 = process.hrtime.bigint();
        const req = request(
          {
            host: '127.0.0.1',
            port,
            path: '/scan',
            method: 'POST',
            agent,
            headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
          },
          (res) => {
            res.on('data', () => {});
            res.on('end', () =>
              res.statusCode === 200
                ? resolve(Number(process.hrtime.bigint() - t0) / 1e6)
                : reject(new Error(`HTTP ${res.statusCode}`)),
            );
          },
        );
        req.on('error', reject);
        req.end(body);
      });

    const run = async (ms: number, record: number[] | null) => {
      const until = performance.now() + ms;
      await Promise.all(
        Array.from({ length: lanes }, async () => {
          while (performance.now() < until) {
            const t = await scan();
            record?.push(t);
          }
        }),
      );
    };
    await run(1000, null); // warm-up
    const lat: number[] = [];
    const t0 = performance.now();
    await run(seconds * 1000, lat);
    const elapsed = (performance.now() - t0) / 1000;
    lat.sort((a, b) => a - b);
    const pct = (p: number) => lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))]!;
    const verifyPerSec = Math.round(lat.length / elapsed);
    const p99Ms = Number(pct(99).toFixed(3));
    say(`${lat.length} verifications in ${elapsed.toFixed(1)} s over ${lanes} lanes: ${verifyPerSec}/s`);
    say(
      `latency p50 ${pct(50).toFixed(3)} ms, p99 ${p99Ms} ms, max ${lat[lat.length - 1]!.toFixed(3)} ms (target p99 < 5 ms)`,
    );
    agent.destroy();
    // The agent's own service time (request read → answer written, journal commit included),
    // without the client's share of the CPU and its scheduling delays.
    const h = JSON.parse(await get(port, '/health')) as {
      scanLatency: { p50Ms: number; p99Ms: number } | null;
    };
    if (h.scanLatency)
      say(
        `agent service time over its last ${Math.min(4096, lat.length)} scans: p50 ${h.scanLatency.p50Ms} ms, p99 ${h.scanLatency.p99Ms} ms`,
      );
    if (json) {
      console.log(
        JSON.stringify({
          verifyPerSec,
          p99Ms,
          p50Ms: Number(pct(50).toFixed(3)),
          maxMs: Number(lat[lat.length - 1]!.toFixed(3)),
          agentP99Ms: h.scanLatency?.p99Ms ?? null,
          scans: lat.length,
          lanes,
        }),
      );
    }
  } finally {
    cleanup();
  }
}

main().catch((e: unknown) => {
  console.error('bench:gate:', e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
