import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { useApi } from '../support/platform.js';
import { RoleProcess, freePort, waitFor } from '../support/processes.js';
import { AgentProcess, agentEnv } from '../gate/agent-process.js';
import { registerGateDevice } from '../../core/checkin/devices.js';
import { systemClock } from '../../core/clock.js';
import { demoArea } from '../../core/catalog/demo.js';
import { renderChart } from './chart-render.js';

/**
 * Issue 17 item 15: metrics are closed unless a scrape token or a port of their own is
 * configured: the API's public port, the worker's listener and the gate agent's lane API,
 * each as the process it runs as; and the chart's PodMonitor scrapes with the token.
 */
const TOKEN = 'scrape-token-0123456789abcdef';

/** An address of this machine that is not loopback: what another pod or the LAN would dial. */
function lanAddress(): string {
  const a = Object.values(networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal);
  if (!a) throw new Error('this test needs a non-loopback IPv4 interface to dial the worker from "outside"');
  return a.address;
}

const get = (url: string, token?: string) =>
  fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} }).then(
    (r) => r.status,
    () => 'refused' as const,
  );

describe('metrics exposure', () => {
  const api = useApi();
  const procs: RoleProcess[] = [];
  const ports: Record<string, number> = {};
  let gate: AgentProcess | undefined;
  let dir = '';

  beforeAll(async () => {
    await api.seed(demoArea({ id: 'mx-open' }));
    for (const k of ['apiOpen', 'apiToken', 'workerOpen', 'workerToken']) ports[k] = await freePort();
    const env = { ...api.env, LOG_LEVEL: 'warn' } as Record<string, string>;
    delete env.SCENIC_METRICS_TOKEN;
    procs.push(
      new RoleProcess('api', { ...env, PORT: String(ports.apiOpen) }, ['SCENIC_METRICS_TOKEN']),
      new RoleProcess('api', { ...env, PORT: String(ports.apiToken), SCENIC_METRICS_TOKEN: TOKEN }),
      new RoleProcess('worker', { ...env, SCENIC_METRICS_PORT: String(ports.workerOpen) }, [
        'SCENIC_METRICS_TOKEN',
      ]),
      new RoleProcess('worker', {
        ...env,
        SCENIC_METRICS_PORT: String(ports.workerToken),
        SCENIC_METRICS_TOKEN: TOKEN,
      }),
    );
    for (const p of procs) p.start();
    await Promise.all(
      [ports.apiOpen, ports.apiToken].map((p) =>
        waitFor(`api :${p}`, async () => (await fetch(`http://127.0.0.1:${p}/healthz`)).ok, 60_000),
      ),
    );
    await Promise.all(
      [ports.workerOpen, ports.workerToken].map((p) =>
        waitFor(`worker :${p}`, async () => (await fetch(`http://127.0.0.1:${p}/healthz`)).ok, 60_000),
      ),
    ).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${procs.map((p) => p.output).join('\n')}`);
    });
    const { credential } = await registerGateDevice(
      api.platform.db,
      { id: 'mx-east-1', areaId: 'mx-open', entranceId: 'east-gate', kind: 'turnstile' },
      systemClock,
    );
    dir = mkdtempSync(join(tmpdir(), 'scenic-mx-'));
    gate = await new AgentProcess(
      'mx',
      agentEnv(`${api.url}/gate/v1`, credential, join(dir, 'j.db'), {
        SCENIC_GATE_METRICS_PORT: String(await freePort()),
      }),
    ).start(60_000);
  }, 180_000);

  afterAll(async () => {
    await gate?.stop();
    await Promise.all(procs.map((p) => p.kill('SIGTERM')));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('17.15 the API has no /metrics on its public port without a token, and wants it when set', async () => {
    expect(await get(`http://127.0.0.1:${ports.apiOpen}/metrics`)).toBe(404);
    expect(await get(`http://127.0.0.1:${ports.apiToken}/metrics`)).toBe(401);
    expect(await get(`http://127.0.0.1:${ports.apiToken}/metrics`, 'wrong-token-0123456789')).toBe(401);
    expect(await get(`http://127.0.0.1:${ports.apiToken}/metrics`, TOKEN)).toBe(200);
  });

  it('17.15 the worker serves metrics on loopback only without a token, and to the token on every interface', async () => {
    const lan = lanAddress();
    expect(await get(`http://127.0.0.1:${ports.workerOpen}/metrics`)).toBe(200);
    expect(await get(`http://${lan}:${ports.workerOpen}/metrics`)).toBe('refused');
    expect(await get(`http://${lan}:${ports.workerToken}/metrics`)).toBe(401);
    expect(await get(`http://${lan}:${ports.workerToken}/metrics`, TOKEN)).toBe(200);
  });

  it('17.15 the gate agent keeps /metrics off its lane API: its own port, or the token', async () => {
    expect(await get(`http://127.0.0.1:${gate!.port}/metrics`)).toBe(404);
    const res = await fetch(`http://127.0.0.1:${gate!.metricsPort!}/metrics`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('scenic_gate_journal_ok');
  });

  it('17.15 the chart scrapes with the token and never scrapes a gate’s lane port', async () => {
    await expect(renderChart(['podMonitor.enabled=true'])).rejects.toMatchObject({
      stderr: expect.stringContaining('podMonitor.bearerTokenSecret') as unknown,
    });
    const docs = await renderChart([
      'podMonitor.enabled=true',
      'podMonitor.bearerTokenSecret.name=scenic-app',
      'podMonitor.bearerTokenSecret.key=SCENIC_METRICS_TOKEN',
    ]);
    const pm = docs.find((d) => d.kind === 'PodMonitor') as unknown as {
      spec: {
        podMetricsEndpoints: {
          port: string;
          authorization?: { credentials: { name: string; key: string } };
          relabelings: { action?: string; regex?: string; sourceLabels?: string[] }[];
        }[];
      };
    };
    for (const e of pm.spec.podMetricsEndpoints)
      expect(e.authorization?.credentials).toEqual({ name: 'scenic-app', key: 'SCENIC_METRICS_TOKEN' });
    const http = pm.spec.podMetricsEndpoints.find((e) => e.port === 'http')!;
    expect(http.relabelings).toContainEqual(expect.objectContaining({ action: 'drop', regex: 'gate' }));
  });
});
