import { beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { useApi, residentId } from '../support/platform.js';
import { httpClient } from '../support/http.js';
import { demoArea } from '../../core/catalog/demo.js';
import { PartnerApiError } from '../../clients/partner-client.js';
import { day, partner } from './support.js';

const D = day(4);

describe('two partners and the web race for one slot', () => {
  const api = useApi({ app: { rateLimits: false } });
  let a: Awaited<ReturnType<typeof partner>>;
  let b: Awaited<ReturnType<typeof partner>>;
  beforeAll(async () => {
    a = await partner(api, { id: 'ota-a' });
    b = await partner(api, { id: 'ota-b' });
    await api.seed(
      demoArea({
        id: 'race',
        dailyCapacity: 1000,
        slots: [
          { id: '0900', startsAt: '09:00', endsAt: '10:00', capacity: 100 },
          { id: '1000', startsAt: '10:00', endsAt: '11:00', capacity: 600 },
        ],
        quotas: [
          { channelId: 'ota:ota-a', quota: 30 },
          { channelId: 'ota:ota-b', shareBps: 250 }, // 2.5 % of 1,000 = 25
        ],
      }),
    );
  });

  let seq = 0;
  const visitor = () => ({ name: '赵六', idNumber: residentId('19750505', seq++) });

  /** 80 orders from each partner and 80 from the web, all at once, one visitor each. */
  async function race(date: string, slotId: string) {
    const body = () => ({
      areaId: 'race',
      date,
      slotId,
      items: [{ productId: 'adult', visitors: [visitor()] }],
    });
    const web = httpClient(api.url, 64);
    const outcome = (p: Promise<unknown>) =>
      p.then(
        () => 'ok',
        (e: unknown) => (e instanceof PartnerApiError ? String(e.problem.code) : 'error'),
      );
    const tasks: Promise<string>[] = [];
    for (let i = 0; i < 80; i++) {
      tasks.push(outcome(a.client.createOrder({ partnerOrderId: `A-${date}-${i}`, ...body() })));
      tasks.push(outcome(b.client.createOrder({ partnerOrderId: `B-${date}-${i}`, ...body() })));
      tasks.push(
        web
          .send('POST', '/v1/orders', body(), { 'idempotency-key': randomUUID() })
          .then((r) => (r.status === 201 ? 'ok' : String(r.body.code))),
      );
    }
    const results = await Promise.all(tasks);
    web.close();
    const rows: { channel_id: string; n: number }[] = await api.platform
      .db('orders')
      .where({ area_id: 'race', visit_date: date })
      .whereIn('status', ['held', 'issued'])
      .groupBy('channel_id')
      .select('channel_id', api.platform.db.raw('count(*)::int as n'));
    const by = Object.fromEntries(rows.map((r) => [r.channel_id, r.n]));
    return {
      refusals: new Set(results.filter((r) => r !== 'ok')),
      a: by['ota:ota-a'] ?? 0,
      b: by['ota:ota-b'] ?? 0,
      web: by.web ?? 0,
      snap: await api.platform.inventory.snapshot('race', date),
    };
  }

  it("refuses a visitor who names a partner's channel: its prices, quota and bill are the partner's", async () => {
    const before = (await api.platform.inventory.snapshot('race', D)).channels['ota:ota-a'];
    const res = await api.call('POST', '/v1/orders', {
      headers: { 'idempotency-key': randomUUID() },
      body: {
        areaId: 'race',
        date: D,
        slotId: '1000',
        channelId: 'ota:ota-a',
        items: [{ productId: 'adult', visitors: [visitor()] }],
      },
    });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: 'channel_not_allowed' });
    expect((await api.platform.inventory.snapshot('race', D)).channels['ota:ota-a']).toEqual(before);
    expect(await api.platform.db('orders').where({ channel_id: 'ota:ota-a', area_id: 'race' })).toHaveLength(
      0,
    );
  });

  it('when the slot is scarce: no channel exceeds its quota and the slot sells exactly its capacity', async () => {
    const r = await race(D, '0900');
    expect([...r.refusals].every((x) => x === 'channel_quota_reached' || x === 'slot_sold_out')).toBe(true);
    expect(r.a).toBeLessThanOrEqual(30);
    expect(r.b).toBeLessThanOrEqual(25);
    expect(r.a + r.b + r.web).toBe(100);
    expect(r.snap.slots['0900']).toEqual({ capacity: 100, used: 100 });
    expect(r.snap.channels['ota:ota-a']).toEqual({ quota: 30, used: r.a });
    expect(r.snap.channels['ota:ota-b']).toEqual({ quota: 25, used: r.b });
  });

  it('when stock is plenty: each partner sells exactly its quota and is then refused', async () => {
    const r = await race(day(5), '1000');
    expect(r.refusals).toEqual(new Set(['channel_quota_reached']));
    expect([r.a, r.b, r.web]).toEqual([30, 25, 80]);
    expect(r.snap.slots['1000']).toEqual({ capacity: 600, used: 135 });
    expect((await a.client.availability('race', day(5))).remaining).toBe(0);
    expect((await b.client.availability('race', day(5))).remaining).toBe(0);
  });
});
