import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { useApi } from '../support/platform.js';
import { waitFor } from '../support/processes.js';
import { demoArea } from '../../core/catalog/demo.js';
import { addDays, localParts } from '../../core/time.js';
import { startTelemetry } from '../../core/telemetry/sdk.js';
import {
  diversionText,
  loadNotifierConfig,
  startNotifier,
  type RunningNotifier,
} from '../../workers/notifier.js';
import { buy, startReceiver } from './support.js';
import { verifyAlert } from '../../core/notify/alert-signature.js';

// before useApi builds the app: one process playing both roles
const telemetry = startTelemetry({ role: 'api', alsoRoles: ['worker'] });
const D = addDays(localParts(new Date(), 'Asia/Shanghai').date, 4);
const SECRET = 'a-webhook-secret-of-ours';

describe('notifier: level changes from real sales reach webhooks', () => {
  const api = useApi({ app: { rateLimits: false } });
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let notifier: RunningNotifier | undefined;
  beforeAll(async () => {
    // the flaky target fails its first delivery of each event with 503
    receiver = await startReceiver((path, n) => (path === '/flaky' && n === 1 ? 503 : 204));
    await api.seed(demoArea({ id: 'nt-lake', name: 'West Lake', dailyCapacity: 10, instantCapacity: 10 }));
    await api.seed(
      demoArea({
        id: 'nt-temple',
        name: 'Lingyin Temple',
        products: [{ ...demoArea().products[0]!, id: 'nt-temple-adult' }],
      }),
    );
    notifier = await startNotifier(
      api.platform,
      {
        alerts: [
          { name: 'ops', url: `${receiver.url}/alerts`, secret: SECRET },
          { name: 'flaky', url: `${receiver.url}/flaky`, areas: ['nt-lake'], events: ['capacity-level'] },
        ],
        broadcasts: [{ name: 'led', url: `${receiver.url}/led` }],
        smsTo: ['13900001111'],
        attempts: 4,
        backoffMs: 100,
      },
      telemetry.metrics,
    );
  });
  afterAll(async () => {
    await notifier?.close();
    await receiver?.close();
  });

  it('posts the yellow level within one second of the sale that crossed 70 %', async () => {
    const t0 = Date.now();
    await buy(api, { areaId: 'nt-lake', date: D, visitors: 7 });
    await waitFor(
      'yellow webhook',
      () => Promise.resolve(receiver.got.some((r) => r.path === '/alerts' && r.body.level === 'yellow')),
      5_000,
    );
    const hit = receiver.got.find((r) => r.path === '/alerts' && r.body.level === 'yellow')!;
    const latency = hit.at - t0;
    console.warn(
      `level change → webhook: ${latency} ms after the order was sent; ${hit.at - (hit.body.at as number)} ms after the event`,
    );
    expect(latency).toBeLessThan(1_000);
    expect(hit.body).toMatchObject({
      type: 'capacity-level',
      areaId: 'nt-lake',
      areaName: 'West Lake',
      date: D,
      previous: 'green',
      level: 'yellow',
      used: 7,
      capacity: 10,
    });
    // W3C trace context and a verifiable signature
    expect(hit.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
    // its own header, apart from the partner signature (x-scenic-signature) of partner webhooks
    expect(hit.headers['x-scenic-signature']).toBeUndefined();
    const sig = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(hit.headers['x-scenic-alert-signature']))!;
    expect(sig).not.toBeNull();
    expect(
      createHmac('sha256', SECRET)
        .update(`${sig[1]}.${JSON.stringify(hit.body)}`)
        .digest('hex'),
    ).toBe(sig[2]);
    const header = String(hit.headers['x-scenic-alert-signature']);
    expect(
      verifyAlert({ secret: SECRET, header, rawBody: hit.raw, nowSeconds: Math.floor(Date.now() / 1000) }).ok,
    ).toBe(true);
    expect(hit.headers['x-scenic-event']).toBe('capacity-level');
  });

  it('retries a failing webhook until it answers', async () => {
    await waitFor(
      'flaky target delivered',
      () => Promise.resolve(receiver.got.some((r) => r.path === '/flaky' && r.body.level === 'yellow')),
      10_000,
    );
    const hit = receiver.got.find((r) => r.path === '/flaky')!;
    expect(hit.headers['x-scenic-attempt']).toBe('2');
    const text = await telemetry.render();
    expect(text).toMatch(
      /scenic_notifications_total\{kind="webhook",target="flaky",event="capacity-level",result="retried"\} 1/,
    );
    expect(text).toMatch(
      /scenic_notifications_total\{kind="webhook",target="flaky",event="capacity-level",result="delivered"\} 1/,
    );
  });

  it('broadcasts the diversion text at orange, pointing to a less crowded area, and texts managers', async () => {
    const before = api.logLines.length;
    await buy(api, { areaId: 'nt-lake', date: D, visitors: 1 });
    await waitFor('led broadcast', () => Promise.resolve(receiver.got.some((r) => r.path === '/led')), 5_000);
    const led = receiver.got.find((r) => r.path === '/led')!;
    expect(led.body).toMatchObject({
      type: 'diversion',
      areaId: 'nt-lake',
      level: 'orange',
      text: 'West Lake is crowded; please visit Lingyin Temple first.',
      textZh: 'West Lake游客较多，建议先游览Lingyin Temple。',
    });
    expect(led.headers['x-scenic-event']).toBe('diversion');
    // the SMS adapter (log-only here) got the manager's alert, number masked in logs
    await waitFor(
      'alert sms',
      () => Promise.resolve(api.logLines.slice(before).some((l) => l.includes('capacity ORANGE'))),
      5_000,
    );
    expect(api.logLines.join('')).not.toContain('13900001111');
  });

  it('reports channel pauses to alert webhooks', async () => {
    const r = await api.call('POST', '/v1/admin/areas/nt-temple/channels/mini/pause', {
      key: api.adminKey,
      body: { reason: 'drill' },
    });
    expect(r.status).toBe(200);
    await waitFor(
      'switch webhook',
      () =>
        Promise.resolve(receiver.got.some((x) => x.path === '/alerts' && x.body.type === 'channel-switch')),
      5_000,
    );
    expect(receiver.got.find((x) => x.body.type === 'channel-switch')!.body).toMatchObject({
      areaId: 'nt-temple',
      channelId: 'mini',
      paused: true,
      reason: 'drill',
    });
    // the flaky target only wants capacity levels
    expect(receiver.got.some((x) => x.path === '/flaky' && x.body.type === 'channel-switch')).toBe(false);
  });
});

describe('notifier configuration and texts', () => {
  it.each([
    [
      'a list of URLs',
      { SCENIC_ALERT_WEBHOOKS: 'https://hooks.example.com/a, http://10.0.0.1:9000/b' },
      ['hooks-example-com', '10-0-0-1-9000'],
    ],
    [
      'JSON targets',
      { SCENIC_ALERT_WEBHOOKS: '[{"name":"ops","url":"https://x.example/h","secret":"0123456789abcdef"}]' },
      ['ops'],
    ],
    ['nothing', {}, []],
  ])('reads %s', (_what, env, names) => {
    expect(loadNotifierConfig(env).alerts.map((t) => t.name)).toEqual(names);
  });
  it.each([
    ['not a URL', { SCENIC_ALERT_WEBHOOKS: 'ftp://x' }],
    ['broken JSON', { SCENIC_BROADCAST_WEBHOOKS: '[{' }],
    [
      'duplicate names',
      {
        SCENIC_ALERT_WEBHOOKS:
          '[{"name":"a","url":"https://x.example"},{"name":"a","url":"https://y.example"}]',
      },
    ],
    ['a bad phone', { SCENIC_ALERT_SMS_TO: '12345' }],
  ])('refuses %s at start', (_what, env) => {
    expect(() => loadNotifierConfig(env)).toThrow(
      expect.objectContaining({ code: 'invalid_config' }) as Error,
    );
  });
  const ev = (previous: string, level: string) => ({
    type: 'capacity-level' as const,
    areaId: 'a',
    date: '2026-10-01',
    previous: previous as 'green',
    level: level as 'green',
    used: 1,
    capacity: 1,
    at: 0,
  });
  it.each([
    ['green', 'yellow', undefined],
    ['yellow', 'orange', 'A is crowded; please visit B first.'],
    ['orange', 'red', 'A is full for today; please visit B first.'],
    ['red', 'yellow', 'A is open as usual again.'],
    ['orange', 'red', 'A is full for today.', 'none'],
  ])('%s → %s broadcasts %j', (previous, level, text, alt?: string) => {
    expect(diversionText(ev(previous, level), 'A', alt === 'none' ? undefined : 'B')?.text).toBe(text);
  });
});
