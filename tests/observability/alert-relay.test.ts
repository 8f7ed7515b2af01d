import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { useApi } from '../support/platform.js';
import { waitFor } from '../support/processes.js';
import { startFakeRobots } from '../../fakes/robots.js';
import { alertmanagerNotification } from '../../fakes/alertmanager.js';
import { WebhookSms } from '../../core/notify/sms.js';
import { loadRobots } from '../../core/notify/robots.js';
import { startTelemetry } from '../../core/telemetry/sdk.js';
import { startNotifier, type NotifyJob, type RunningNotifier } from '../../workers/notifier.js';
import { QUEUES, bullPrefix } from '../../workers/queues.js';

/**
 * The alert relay: Alertmanager's webhook JSON in, through the `notify` queue, out to
 * the fake WeCom, DingTalk and Feishu robots and the SMS bridge, formatted and signed.
 * (tests/observability/alerting-e2e.test.ts runs it behind a real Alertmanager.)
 */
const fake = await startFakeRobots();
const TOKEN = randomBytes(24).toString('hex');
const ding = fake.dingtalk({ signed: true });
const feishu = fake.feishu({ signed: true });
const ROBOTS = [
  { name: 'lake-wecom', kind: 'wecom', url: fake.wecom() },
  { name: 'ops-dingtalk', kind: 'dingtalk', url: ding.url, secret: ding.secret },
  { name: 'ops-feishu', kind: 'feishu', url: feishu.url, secret: feishu.secret },
  { name: 'bad-secret', kind: 'dingtalk', url: ding.url, secret: 'SECthis-is-not-it' },
  { name: 'managers', kind: 'sms', to: ['13900001111', '13900002222'] },
];
// read by the relay when useApi builds the app
process.env.SCENIC_ALERT_RELAY_TOKEN = TOKEN;
process.env.SCENIC_ALERT_ROBOTS = JSON.stringify(ROBOTS);
const telemetry = startTelemetry({ role: 'api', alsoRoles: ['worker'] });

describe('alert relay: Alertmanager webhook → notify queue → robots', () => {
  const api = useApi({ app: { rateLimits: false } });
  let notifier: RunningNotifier | undefined;
  let queue: Queue<NotifyJob>;
  const relay = (robot: string, body: unknown, token = TOKEN) =>
    api.call('POST', `/alerts/v1/relay/${robot}`, { body, headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    api.platform.sms = new WebhookSms(`${fake.url}/sms`);
    notifier = await startNotifier(
      api.platform,
      { alerts: [], broadcasts: [], smsTo: [], robots: loadRobots(), attempts: 3, backoffMs: 100 },
      telemetry.metrics,
    );
    queue = new Queue<NotifyJob>(QUEUES.notify, {
      connection: api.platform.connectRedis({ prefixed: false, forQueues: true }),
      prefix: bullPrefix(api.platform),
    });
  });
  afterAll(async () => {
    await queue?.close();
    await notifier?.close();
    await fake.close();
    delete process.env.SCENIC_ALERT_RELAY_TOKEN;
    delete process.env.SCENIC_ALERT_ROBOTS;
  });

  it('refuses a caller without the token, an unknown robot and a malformed notification', async () => {
    expect(
      (await api.call('POST', '/alerts/v1/relay/lake-wecom', { body: alertmanagerNotification() })).body,
    ).toMatchObject({
      status: 401,
      code: 'bad_credentials',
    });
    expect((await relay('lake-wecom', alertmanagerNotification(), 'x'.repeat(48))).status).toBe(401);
    expect((await relay('nobody', alertmanagerNotification())).body).toMatchObject({
      status: 404,
      code: 'robot_not_found',
    });
    const bad = await relay('lake-wecom', alertmanagerNotification({ alerts: [{ status: 'firing' }] }));
    expect(bad.body).toMatchObject({ status: 400, code: 'invalid_alert_notification' });
    expect((bad.body.errors as { path: string }[])[0]!.path).toBe('alerts.0.labels');
    expect(fake.messages).toHaveLength(0);
  });

  it('delivers to WeCom as markdown, once for a notification Alertmanager sends twice', async () => {
    const n = alertmanagerNotification();
    expect((await relay('lake-wecom', n)).body).toEqual({ robot: 'lake-wecom', queued: 1 });
    expect((await relay('lake-wecom', n)).status).toBe(202); // its retry, or the HA peer's copy
    await waitFor(
      'wecom message',
      () => Promise.resolve(fake.messages.some((m) => m.provider === 'wecom')),
      10_000,
    );
    await new Promise((r) => setTimeout(r, 300));
    const got = fake.messages.filter((m) => m.provider === 'wecom');
    expect(got).toHaveLength(1);
    const content = (got[0]!.body.markdown as { content: string }).content;
    expect(content).toContain(
      '## <font color="warning">[Scenic 告警 FIRING] ScenicCapacityOrange · west-lake 2026-12-01',
    );
    expect(content).toContain('已达橙色');
  });

  it('signs for DingTalk and Feishu at delivery', async () => {
    await relay('ops-dingtalk', alertmanagerNotification({ status: 'resolved' }));
    await relay('ops-feishu', alertmanagerNotification());
    await waitFor(
      'dingtalk and feishu messages',
      () => Promise.resolve(['dingtalk', 'feishu'].every((p) => fake.messages.some((m) => m.provider === p))),
      10_000,
    );
    const ding = fake.messages.find((m) => m.provider === 'dingtalk')!;
    expect((ding.body.markdown as { title: string }).title).toContain('恢复 RESOLVED');
    const card = fake.messages.find((m) => m.provider === 'feishu')!.body.card as {
      header: { template: string };
    };
    expect(card.header.template).toBe('orange');
  });

  it('texts every number of an SMS robot through the SMS bridge', async () => {
    expect((await relay('managers', alertmanagerNotification())).body).toEqual({
      robot: 'managers',
      queued: 2,
    });
    await waitFor('two texts', () => Promise.resolve(fake.sms.length === 2), 10_000);
    expect(fake.sms.map((s) => s.to).sort()).toEqual(['13900001111', '13900002222']);
    expect(fake.sms[0]!.text).toMatch(
      /^\[Scenic 告警 FIRING\] ScenicCapacityOrange · west-lake 2026-12-01: /,
    );
  });

  it('does not retry what the robot refuses for good, and counts it as failed', async () => {
    const before = fake.refused.length;
    expect((await relay('bad-secret', alertmanagerNotification())).status).toBe(202);
    await waitFor('refusal', () => Promise.resolve(fake.refused.length > before), 10_000);
    await waitFor('job failed', async () => (await queue.getFailedCount()) > 0, 10_000);
    const [job] = await queue.getFailed();
    expect(job!.attemptsMade).toBe(1);
    expect(job!.failedReason).toContain('dingtalk_310000 sign not match');
    expect(fake.refused.slice(before)).toEqual([
      { provider: 'dingtalk', robot: expect.any(String) as unknown, code: 310000, message: 'sign not match' },
    ]);
    expect(await telemetry.render()).toMatch(
      /^scenic_notifications_total\{kind="robot",target="bad-secret",event="alert",result="failed"\} 1$/m,
    );
  });
});
