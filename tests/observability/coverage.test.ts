import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useApi } from '../support/platform.js';
import { useKube } from '../support/kube.js';
import { RoleProcess, freePort, waitFor } from '../support/processes.js';
import { AgentProcess, agentEnv } from '../gate/agent-process.js';
import { applyCrds, runOperator } from '../operator/support.js';
import { demoArea } from '../../core/catalog/demo.js';
import { registerGateDevice } from '../../core/checkin/devices.js';
import { systemClock } from '../../core/clock.js';
import { addDays, localParts } from '../../core/time.js';
import { familiesOf } from '../../core/telemetry/sdk.js';
import type { OperatorHandle } from '../../operator/operator.js';
import type { Role } from '../../core/telemetry/catalogue.js';
import { EXTERNAL_METRICS, allQueries, catalogue, familyOf, metricsIn } from './artifacts.js';

/**
 * The metric-coverage test of issue 7: runs every role the way it runs in production
 * (`scenic api`, `scenic worker`, `scenic gate` as processes; the operator with its HTTP
 * port), drives a sale and a scan through them, scrapes each `/metrics`, and fails if a
 * dashboard panel or an alert rule queries a metric no role exports, or if a role does
 * not export what the catalogue says it does.
 */
const D = addDays(localParts(new Date(), 'Asia/Shanghai').date, 1);

describe('every metric the dashboards and alerts use is exported by a running role', () => {
  const api = useApi({ app: { rateLimits: false } });
  const kube = useKube();
  const scraped = new Map<Role, Set<string>>();
  const texts = new Map<Role, string>();
  const procs: RoleProcess[] = [];
  let gate: AgentProcess | undefined;
  let op: OperatorHandle | undefined;
  let dir = '';

  // every role's /metrics is closed without the scrape token (issue 17 item 15)
  const scrape = async (role: Role, url: string) => {
    const res = await fetch(url, { headers: { authorization: `Bearer ${api.metricsToken}` } });
    expect(res.status, `${role} ${url}`).toBe(200);
    const text = await res.text();
    texts.set(role, text);
    scraped.set(role, familiesOf(text));
  };

  beforeAll(async () => {
    await api.seed(demoArea({ id: 'cov' }));
    const [apiPort, workerPort] = [await freePort(), await freePort()];
    const apiProc = new RoleProcess('api', { ...api.env, PORT: String(apiPort), LOG_LEVEL: 'warn' });
    const worker = new RoleProcess('worker', {
      ...api.env,
      SCENIC_METRICS_PORT: String(workerPort),
      SCENIC_METRICS_HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      SCENIC_ALERT_WEBHOOKS: 'http://127.0.0.1:9/none',
    });
    procs.push(apiProc, worker);
    for (const p of procs) p.start();
    const base = `http://127.0.0.1:${apiPort}`;
    await waitFor('api up', async () => (await fetch(`${base}/healthz`)).ok, 60_000).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${apiProc.output}`);
    });
    await waitFor(
      'worker up',
      async () => (await fetch(`http://127.0.0.1:${workerPort}/healthz`)).ok,
      60_000,
    ).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${worker.output}`);
    });

    // a sale through the API process: request, hold and inventory series exist
    const order = await fetch(`${base}/v1/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID() },
      body: JSON.stringify({
        areaId: 'cov',
        date: D,
        slotId: '0900',
        items: [{ productId: 'adult', visitors: [{ name: 'C', idNumber: '11010519491231002X' }] }],
      }),
    });
    expect(order.status).toBe(201);

    // a gate agent of the area, syncing with the API process, and one scan
    const { credential } = await registerGateDevice(
      api.platform.db,
      { id: 'cov-east-1', areaId: 'cov', entranceId: 'east-gate', kind: 'turnstile' },
      systemClock,
    );
    dir = mkdtempSync(join(tmpdir(), 'scenic-cov-'));
    gate = await new AgentProcess(
      'cov',
      agentEnv(`${base}/gate/v1`, credential, join(dir, 'j.db'), { SCENIC_METRICS_TOKEN: api.metricsToken }),
    ).start();
    await gate.scan({ qr: 'not-a-ticket' });

    // the operator, scoped to this file's namespace, serving /metrics
    await applyCrds(kube.kc);
    op = await runOperator({
      kc: kube.kc,
      redisUrl: api.env.REDIS_URL!,
      redisPrefix: api.env.REDIS_PREFIX!,
      namespace: kube.namespace,
      httpPort: 0,
      httpHost: '127.0.0.1',
    });

    await scrape('api', `${base}/metrics`);
    await scrape('worker', `http://127.0.0.1:${workerPort}/metrics`);
    await scrape('gate', `http://127.0.0.1:${gate.port}/metrics`);
    await scrape('operator', `http://127.0.0.1:${op.port!}/metrics`);
  }, 180_000);

  afterAll(async () => {
    await op?.stop();
    await gate?.stop();
    await Promise.all(procs.map((p) => p.kill('SIGTERM')));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('each role exports every metric the catalogue assigns to it', () => {
    const missing = catalogue.flatMap((m) =>
      m.roles.filter((r) => !scraped.get(r)?.has(m.name)).map((r) => `${r}: ${m.name}`),
    );
    expect(missing).toEqual([]);
  });

  it('no dashboard panel or alert rule queries a metric the roles do not export', () => {
    const exported = new Set([...scraped.values()].flatMap((s) => [...s]));
    const unknown = allQueries().flatMap((q) =>
      metricsIn(q.expr)
        .filter((n) => !exported.has(familyOf(n, exported)) && !(n in EXTERNAL_METRICS))
        .map((n) => `${q.where}: ${n}`),
    );
    expect(unknown).toEqual([]);
  });

  it('exports real samples from real data: the sale, the inventory, the scan', () => {
    expect(texts.get('api')).toMatch(
      /^scenic_tickets_held_total\{area="cov",channel="web",slot="0900"\} 1$/m,
    );
    expect(texts.get('worker')).toMatch(
      new RegExp(`^scenic_capacity_used\\{area="cov",day="${D}"\\} 1$`, 'm'),
    );
    expect(texts.get('worker')).toMatch(
      new RegExp(`^scenic_tickets\\{area="cov",day="${D}",channel="web",state="held"\\} 1$`, 'm'),
    );
    expect(texts.get('worker')).toMatch(/^scenic_queue_jobs\{queue="hold-expiry",state="delayed"\} \d+$/m);
    expect(texts.get('worker')).toMatch(
      /^scenic_gates\{area="cov",entrance="east-gate",state="(online|offline)"\} 1$/m,
    );
    expect(texts.get('gate')).toMatch(/^scenic_gate_scan_seconds\{quantile="0.99"\} /m);
    expect(texts.get('operator')).toMatch(/^# TYPE scenic_operator_reconcile_total counter$/m);
  });
});
