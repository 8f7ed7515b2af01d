import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { residentId, useApi } from '../support/platform.js';
import { RoleProcess, freePort, waitFor } from '../support/processes.js';
import { observability, type Observability } from '../support/observability.js';
import { uniqueSuffix } from '../support/services.js';
import { AgentProcess, agentEnv } from '../gate/agent-process.js';
import { startFakeRobots, type RobotMessage } from '../../fakes/robots.js';
import { demoArea } from '../../core/catalog/demo.js';
import { registerGateDevice } from '../../core/checkin/devices.js';
import { systemClock } from '../../core/clock.js';
import { addDays, localParts } from '../../core/time.js';
import { renderedAlertmanagerConfig, renderedRules } from './chart-render.js';

/**
 * The alert path of issue 21 end to end, on loopback: `scenic api`, `scenic worker` and
 * `scenic gate` as processes; a real Prometheus scraping them (with the metrics token)
 * and evaluating the chart's rules as helm renders them; a real Alertmanager with the
 * chart's configuration; the relay in the API; the fake WeCom robot of the area. Selling
 * tickets through the API crosses YELLOW then ORANGE: each alert reaches the area's WeCom
 * group as a formatted message, ORANGE inhibits YELLOW, and the default robot hears
 * nothing of this area. Bounded by short intervals of the test's own configuration
 * (1 s scrapes and evaluations, group_wait 1 s, YELLOW's `for:` 1 s via
 * prometheusRule.forOverrides), never by editing the production rules.
 */
const AREA = `am-${uniqueSuffix()}`; // Alertmanager remembers what it notified: a fresh area each run
const D = addDays(localParts(new Date(), 'Asia/Shanghai').date, 1);
const METRICS_TOKEN = randomBytes(16).toString('hex');
const RELAY_TOKEN = randomBytes(24).toString('hex');
const fake = await startFakeRobots();
const ding = fake.dingtalk({ signed: true });
const ROBOTS = JSON.stringify([
  { name: 'lake-wecom', kind: 'wecom', url: fake.wecom() },
  { name: 'ops-dingtalk', kind: 'dingtalk', url: ding.url, secret: ding.secret },
]);

/** A Prometheus scrape job of one local target. */
const job = (name: string, port: number, o: { token?: string; labels?: Record<string, string> } = {}) => ({
  job_name: name,
  ...(o.token ? { authorization: { credentials: o.token } } : {}),
  static_configs: [{ targets: [`127.0.0.1:${port}`], ...(o.labels ? { labels: o.labels } : {}) }],
});

describe('alerting end to end: a sale → Prometheus → Alertmanager → relay → WeCom', () => {
  const api = useApi({ app: { rateLimits: false } });
  const procs: RoleProcess[] = [];
  let gate: AgentProcess | undefined;
  let obs: Observability | undefined;
  let base = '';
  let dir = '';
  const t0 = Date.now();
  let person = 7000;

  const sell = async (visitors: number) => {
    const res = await fetch(`${base}/v1/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: JSON.stringify({
        areaId: AREA,
        date: D,
        slotId: '0900',
        items: [
          {
            productId: 'adult',
            visitors: Array.from({ length: visitors }, (_, i) => ({
              name: `游客${i}`,
              idNumber: residentId('19850101', person++),
            })),
          },
        ],
      }),
    });
    expect(res.status, await res.clone().text()).toBe(201);
    return Date.now();
  };
  const wecomWith = (text: string) =>
    fake.messages.find(
      (m) => m.provider === 'wecom' && (m.body.markdown as { content: string }).content.includes(text),
    );
  const output = () => procs.map((p) => `--- ${p.role}\n${p.output}`).join('\n');

  beforeAll(async () => {
    obs = await observability();
    await api.seed(demoArea({ id: AREA, name: 'E2E Lake', dailyCapacity: 10, instantCapacity: 10 }));
    const [apiPort, workerPort] = [await freePort(), await freePort()];
    const common = {
      ...api.env,
      LOG_LEVEL: 'warn',
      SCENIC_METRICS_TOKEN: METRICS_TOKEN,
      SCENIC_ALERT_ROBOTS: ROBOTS,
    };
    procs.push(
      new RoleProcess('api', { ...common, PORT: String(apiPort), SCENIC_ALERT_RELAY_TOKEN: RELAY_TOKEN }),
      new RoleProcess('worker', {
        ...common,
        SCENIC_METRICS_PORT: String(workerPort),
        SCENIC_METRICS_HOST: '127.0.0.1',
      }),
    );
    for (const p of procs) p.start();
    base = `http://127.0.0.1:${apiPort}`;
    const { credential } = await registerGateDevice(
      api.platform.db,
      { id: `${AREA}-east-1`, areaId: AREA, entranceId: 'east-gate', kind: 'turnstile' },
      systemClock,
    );
    dir = mkdtempSync(join(tmpdir(), 'scenic-alerting-'));
    const [rules, am] = await Promise.all([
      renderedRules(['prometheusRule.forOverrides.ScenicCapacityYellow=1s']),
      renderedAlertmanagerConfig([
        `alerting.relay.url=${base}/alerts/v1/relay`,
        `alerting.relay.token=${RELAY_TOKEN}`,
        'alerting.groupWait=1s',
        'alerting.groupInterval=1s',
        'alerting.repeatInterval=1h',
        'alerting.defaultRobots[0]=ops-dingtalk',
        `alerting.routes[0].areas[0]=${AREA}`,
        'alerting.routes[0].robots[0]=lake-wecom',
      ]),
      waitFor('api up', async () => (await fetch(`${base}/healthz`)).ok, 40_000),
      waitFor('worker up', async () => (await fetch(`http://127.0.0.1:${workerPort}/healthz`)).ok, 40_000),
    ]).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${output()}`);
    });
    // as the operator runs it: metrics on a port of their own, apart from the lane API
    gate = await new AgentProcess(
      AREA,
      agentEnv(`${base}/gate/v1`, credential, join(dir, 'j.db'), {
        SCENIC_GATE_METRICS_PORT: String(await freePort()),
      }),
    ).start();
    await obs.configure({
      rules: { scenic: stringify(rules) },
      alertmanager: am.text,
      prometheus: stringify({
        global: { scrape_interval: '1s', evaluation_interval: '1s' },
        rule_files: [join(obs.dir, 'rules', '*.yaml')],
        alerting: { alertmanagers: [{ static_configs: [{ targets: [new URL(obs.alertmanager).host] }] }] },
        scrape_configs: [
          job('scenic-api', apiPort, { token: METRICS_TOKEN }),
          job('scenic-worker', workerPort, { token: METRICS_TOKEN }),
          // as the chart's PodMonitor labels a gate agent's series: area and entrance from its pod
          job('scenic-gate', gate.metricsPort!, { labels: { area: AREA, entrance: 'east-gate' } }),
        ],
      }),
    });
    // every role scraped (the API and the worker with the token), the area known to the worker
    await waitFor(
      'Prometheus scrapes api, worker and gate',
      async () =>
        (await obs!.query(`up{instance=~"127.0.0.1:(${apiPort}|${workerPort}|${gate!.metricsPort!})"} == 1`))
          .length === 3 && (await obs!.query(`scenic_instant_capacity{area="${AREA}"}`)).length > 0,
      20_000,
    ).catch(async (e: unknown) => {
      const targets = await (await fetch(`${obs!.prometheus}/api/v1/targets`)).text();
      throw new Error(`${String(e)}; targets ${targets}\n${output()}`);
    });
  }, 90_000);

  afterAll(async () => {
    await obs?.restore().catch(() => undefined);
    await gate?.stop();
    await Promise.all(procs.map((p) => p.kill('SIGTERM')));
    await fake.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    console.warn(`alerting e2e: ${((Date.now() - t0) / 1000).toFixed(1)} s in all`);
  });

  it('YELLOW, then ORANGE, reach the area’s WeCom group; ORANGE inhibits YELLOW', async () => {
    expect(await obs!.query(`scenic_gate_scans_in_flight{area="${AREA}"}`)).toHaveLength(1);

    const soldYellow = await sell(7); // 7 of 10: 70 %
    let yellow: RobotMessage | undefined;
    await waitFor(
      'YELLOW at the WeCom robot',
      () => Promise.resolve(!!(yellow = wecomWith('ScenicCapacityYellow'))),
      25_000,
    ).catch((e: unknown) => {
      throw new Error(
        `${String(e)}; robots got ${JSON.stringify(fake.messages)}, refused ${JSON.stringify(fake.refused)}\n${output()}`,
      );
    });
    const content = (yellow!.body.markdown as { content: string }).content;
    expect(content).toContain(`[Scenic 告警 FIRING] ScenicCapacityYellow · ${AREA} ${D}`);
    expect(content).toContain(`${AREA} ${D} 已达黄色（70%）`);
    expect(content).toContain(`${AREA} ${D} is at YELLOW (70 %)`);

    const soldOrange = await sell(1); // 8 of 10: the orange limit (⌊85 % of 10⌋), where online sales stop
    let orange: RobotMessage | undefined;
    await waitFor(
      'ORANGE at the WeCom robot',
      () => Promise.resolve(!!(orange = wecomWith('ScenicCapacityOrange'))),
      25_000,
    );
    expect((orange!.body.markdown as { content: string }).content).toContain('已达橙色');
    console.warn(
      `sale → WeCom: YELLOW ${((yellow!.at - soldYellow) / 1000).toFixed(1)} s, ORANGE ${((orange!.at - soldOrange) / 1000).toFixed(1)} s`,
    );

    // Alertmanager holds YELLOW (still true at ORANGE) as inhibited by ORANGE
    const filter = [`area="${AREA}"`, 'alertname="ScenicCapacityYellow"']
      .map((f) => `filter=${encodeURIComponent(f)}`)
      .join('&');
    const alerts = (await (await fetch(`${obs!.alertmanager}/api/v2/alerts?${filter}`)).json()) as {
      status: { state: string; inhibitedBy: string[] };
    }[];
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.status).toMatchObject({ state: 'suppressed' });
    expect(alerts[0]!.status.inhibitedBy).toHaveLength(1);

    // routing by area: the default robot heard nothing of this area; no robot refused anything
    expect(
      fake.messages.filter((m) => m.provider === 'dingtalk' && JSON.stringify(m.body).includes(AREA)),
    ).toEqual([]);
    expect(fake.refused).toEqual([]);
  }, 60_000);
});
