import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prometheusTool, renderedAlertmanagerConfig, tool, type AmConfig } from './chart-render.js';

/**
 * The chart's Alertmanager configuration (alerting.*), checked by Alertmanager's own
 * amtool: it loads, routes by area and severity as values.yaml says, and every receiver
 * posts to the relay with the robot in the path and the bearer token.
 */
const RELAY = 'http://west-lake-api.parks.svc:8080/alerts/v1/relay';
const TOKEN = 'relay-token-0123456789abcdef';
const VALUES = [
  `alerting.relay.url=${RELAY}/`,
  `alerting.relay.token=${TOKEN}`,
  'alerting.defaultRobots[0]=ops-feishu',
  'alerting.routes[0].areas[0]=west-lake',
  'alerting.routes[0].severities[0]=critical',
  'alerting.routes[0].severities[1]=warning',
  'alerting.routes[0].robots[0]=lake-wecom',
  'alerting.routes[0].robots[1]=lake-managers-sms',
  'alerting.routes[1].areas[0]=west-lake',
  'alerting.routes[1].robots[0]=lake-wecom',
  'alerting.routes[2].severities[0]=critical',
  'alerting.routes[2].robots[0]=ops-dingtalk',
];

describe('Alertmanager configuration of the chart', () => {
  let amtool = '';
  let dir = '';
  let config: AmConfig;
  const route = async (...labels: string[]) =>
    (
      await tool(amtool, ['config', 'routes', 'test', `--config.file=${join(dir, 'am.yml')}`, ...labels])
    ).stdout.trim();

  beforeAll(async () => {
    amtool = prometheusTool('amtool');
    const r = await renderedAlertmanagerConfig(VALUES);
    config = r.config;
    dir = mkdtempSync(join(tmpdir(), 'scenic-am-'));
    writeFileSync(join(dir, 'am.yml'), r.text);
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('loads in amtool check-config', async () => {
    const { stdout } = await tool(amtool, ['check-config', join(dir, 'am.yml')]);
    expect(stdout).toContain('SUCCESS');
    expect(stdout).toContain('2 inhibit rules');
  });

  it.each([
    [['area=west-lake', 'severity=critical', 'alertname=ScenicCapacityRed'], 'scenic-route-0'],
    [['area=west-lake', 'severity=warning', 'alertname=ScenicGateOffline'], 'scenic-route-0'],
    [['area=west-lake', 'severity=info', 'alertname=ScenicCapacityYellow'], 'scenic-route-1'],
    [['area=lingyin', 'severity=critical', 'alertname=ScenicCapacityRed'], 'scenic-route-2'],
    [['severity=critical', 'alertname=ScenicApiErrorRate'], 'scenic-route-2'],
    [['area=lingyin', 'severity=warning', 'alertname=ScenicCapacityOrange'], 'scenic-default'],
    [['severity=warning', 'alertname=ScenicQueueBacklog'], 'scenic-default'],
  ])('routes %j to %s', async (labels, receiver) => {
    expect(await route(...labels)).toBe(receiver);
  });

  it('posts to the relay, one webhook per robot, with the token', () => {
    const hooks = Object.fromEntries(
      config.receivers.map((r) => [r.name, r.webhook_configs.map((w) => w.url)]),
    );
    expect(hooks).toEqual({
      'scenic-default': [`${RELAY}/ops-feishu`],
      'scenic-route-0': [`${RELAY}/lake-wecom`, `${RELAY}/lake-managers-sms`],
      'scenic-route-1': [`${RELAY}/lake-wecom`],
      'scenic-route-2': [`${RELAY}/ops-dingtalk`],
    });
    const first = config.receivers[0]!.webhook_configs[0] as unknown as Record<string, unknown>;
    expect(first).toMatchObject({
      send_resolved: true,
      max_alerts: 50,
      http_config: { authorization: { type: 'Bearer', credentials: TOKEN } },
    });
  });

  it('inhibits the lower capacity levels of the same area-day', () => {
    expect(config.inhibit_rules).toEqual([
      {
        source_matchers: ['alertname="ScenicCapacityRed"'],
        target_matchers: ['alertname=~"ScenicCapacityOrange|ScenicCapacityYellow"'],
        equal: ['area', 'day'],
      },
      {
        source_matchers: ['alertname="ScenicCapacityOrange"'],
        target_matchers: ['alertname="ScenicCapacityYellow"'],
        equal: ['area', 'day'],
      },
    ]);
  });

  it('reads the token from a file when given one', async () => {
    const { config: c } = await renderedAlertmanagerConfig([
      ...VALUES.filter((v) => !v.startsWith('alerting.relay.token=')),
      'alerting.relay.tokenFile=/etc/alertmanager/secrets/scenic-alert-relay/token',
    ]);
    expect(c.receivers[0]!.webhook_configs[0]).toMatchObject({
      http_config: {
        authorization: {
          type: 'Bearer',
          credentials_file: '/etc/alertmanager/secrets/scenic-alert-relay/token',
        },
      },
    });
  });

  it.each([
    ['no relay URL', 'alerting.relay.url=', 'alerting.relay.url'],
    ['no token', 'alerting.relay.token=', 'alerting.relay.token or alerting.relay.tokenFile'],
    ['no default robot', 'alerting.defaultRobots=null', 'alerting.defaultRobots'],
    ['a robot name with capitals', 'alerting.defaultRobots[0]=Ops', 'defaultRobots'],
    ['an unknown severity', 'alerting.routes[0].severities[0]=page', 'severities'],
  ])('refuses %s', async (_what, set, message) => {
    const err = (await renderedAlertmanagerConfig([...VALUES, set]).then(
      () => ({ stderr: 'rendered' }),
      (e: unknown) => e,
    )) as { stderr?: string };
    expect(err.stderr).toContain(message);
  });
});
