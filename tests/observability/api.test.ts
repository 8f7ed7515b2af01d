import { describe, expect, it, beforeAll } from 'vitest';
import { useApi } from '../support/platform.js';
import { demoArea } from '../../core/catalog/demo.js';
import { addDays, localParts } from '../../core/time.js';
import { buy } from './support.js';

const D = addDays(localParts(new Date(), 'Asia/Shanghai').date, 3);

describe('bull-board at /admin/queues, behind admin authentication', () => {
  const api = useApi({ app: { rateLimits: false } });
  const get = (path: string, authorization?: string) =>
    fetch(`${api.url}${path}`, { headers: authorization ? { authorization } : {} });

  it.each([
    ['no credentials', undefined, 401],
    ['a bad key', 'Bearer sk_nope_nope', 401],
  ])('answers 401 with %s, and asks the browser for Basic credentials', async (_what, auth, status) => {
    const r = await get('/admin/queues', auth);
    expect(r.status).toBe(status);
    expect(r.headers.get('www-authenticate')).toContain('Basic');
  });

  it('answers 403 to a non-admin key', async () => {
    expect((await get('/admin/queues', `Bearer ${await api.key('box-office', 'box-office')}`)).status).toBe(
      403,
    );
  });

  it('answers 200 with the admin key (Bearer or Basic) and lists every queue', async () => {
    const page = await get('/admin/queues', `Bearer ${api.adminKey}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
    const basic = await get(
      '/admin/queues/api/queues',
      `Basic ${Buffer.from(`admin:${api.adminKey}`).toString('base64')}`,
    );
    expect(basic.status).toBe(200);
    const body = (await basic.json()) as { queues: { name: string }[] };
    expect(body.queues.map((q) => q.name).sort()).toEqual([
      'campaigns',
      'forecast',
      'hold-expiry',
      'maintenance',
      'members',
      'notify',
      'outbox',
      'payments',
      'reconciliation',
      'reports',
    ]);
    expect(basic.headers.get('www-authenticate')).toBeNull();
  });
});

describe('API /metrics', () => {
  const api = useApi({ app: { rateLimits: false } });
  beforeAll(async () => {
    await api.seed(demoArea({ id: 'mx', dailyCapacity: 3, instantCapacity: 3 }));
  });

  it('counts sales, refusals and requests by route template, with no ids in labels', async () => {
    const o = await buy(api, { areaId: 'mx', date: D, visitors: 2, pay: true });
    const refused = await api.call('POST', '/v1/orders', {
      headers: { 'idempotency-key': crypto.randomUUID() },
      body: {
        areaId: 'mx',
        date: D,
        slotId: '0900',
        items: [
          {
            productId: 'adult',
            visitors: [
              { name: 'X', idNumber: o.visitors[0]!.idNumber },
              { name: 'Y', idNumber: o.visitors[1]!.idNumber },
            ],
          },
        ],
      },
    });
    expect(refused.status).toBe(409);
    await api.call('GET', `/v1/orders/${o.id}`, { headers: { 'x-order-token': o.accessToken } });
    const res = await api.metrics();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toContain('scenic_tickets_held_total{area="mx",channel="web",slot="0900"} 2');
    expect(text).toContain('scenic_tickets_sold_total{area="mx",channel="web",slot="0900"} 2');
    expect(text).toContain('scenic_sales_amount_minor_total{area="mx",channel="web"} 16000');
    expect(text).toMatch(
      /scenic_orders_refused_total\{area="mx",channel="web",reason="(day_sold_out|online_closed|slot_sold_out)"\} 1/,
    );
    expect(text).toMatch(
      /scenic_http_request_duration_seconds_count\{method="GET",route="\/v1\/orders\/:id",status_code="200"\} \d+/,
    );
    expect(text).toMatch(/^scenic_online_users \d+$/m);
    expect(text).toMatch(/^# TYPE scenic_dependency_latency_seconds histogram$/m);
    // no order, ticket or visitor ids anywhere in the exposition
    expect(text).not.toContain(o.id);
    for (const t of o.tickets) expect(text).not.toContain(t.id);
    expect(text).not.toContain(o.visitors[0]!.idNumber);
  });

  it('counts distinct visitors online across requests', async () => {
    for (let i = 0; i < 3; i++)
      await fetch(`${api.url}/v1/areas/mx`, { headers: { 'user-agent': `visitor-${i}` } });
    await new Promise((r) => setTimeout(r, 2_200)); // one flush, and past the 2 s scrape cache
    const text = await (await api.metrics()).text();
    expect(Number(/^scenic_online_users (\d+)$/m.exec(text)![1])).toBeGreaterThanOrEqual(3);
  });

  it('20 counts the buyers in a waiting room online, once each however often they poll', async () => {
    const online = async () => {
      await new Promise((r) => setTimeout(r, 2_200)); // one flush, and past the 2 s scrape cache
      return Number(/^scenic_online_users (\d+)$/m.exec(await (await api.metrics()).text())![1]);
    };
    const room = await fetch(`${api.url}/v1/admin/areas/mx/waiting-room`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${api.adminKey}`, 'content-type': 'application/json' },
      // opens in an hour: everyone who joins waits (and polls)
      body: JSON.stringify({
        opensAt: new Date(Date.now() + 3_600_000).toISOString(),
        ratePerSecond: 1,
        burst: 1,
      }),
    });
    expect(room.status).toBe(200);
    const before = await online();
    // one user agent and address for all: only the place in line tells them apart
    for (let i = 0; i < 5; i++) {
      const j = await fetch(`${api.url}/v1/queue/mx/join`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'one-app' },
        body: JSON.stringify({ deviceId: `room-device-${i}` }),
      });
      expect(j.status).toBe(429);
      const { queueToken } = (await j.json()) as { queueToken: string };
      for (let k = 0; k < 2; k++)
        expect(
          (await fetch(`${api.url}/v1/queue/mx/status`, { headers: { 'x-queue-token': queueToken } })).status,
        ).toBe(429);
    }
    const after = await online();
    expect(after - before).toBeGreaterThanOrEqual(5);
    expect(after - before).toBeLessThanOrEqual(6); // a HyperLogLog: within its error, not 15
  });
});
