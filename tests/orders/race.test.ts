import { beforeAll, describe, expect, it } from 'vitest';
import { useApi, residentId } from '../support/platform.js';
import { httpClient, prng } from '../support/http.js';
import { demoArea } from '../../core/catalog/demo.js';
import { addDays, localParts } from '../../core/time.js';

const D = addDays(localParts(new Date(), 'Asia/Shanghai').date, 7);
const CAPACITY = 100;
const QUOTAS = { mini: 20, 'ota-trip': 25 };
const ONLINE = new Set(['web', 'mini', 'ota-trip']);

/**
 * 5,000 concurrent purchases (1-4 tickets each, 10 % replaying an idempotency key)
 * through four channels with quotas race for one slot of 100. The books must show no
 * oversell anywhere, Redis must equal what Postgres implies, every key must make one
 * order, and online sales must stop exactly at the orange threshold.
 */
describe('no oversell under a 5,000-request race', () => {
  const api = useApi({ app: { rateLimits: false } });
  let keys: Record<string, string>;
  beforeAll(async () => {
    await api.seed(demoArea({ id: 'race-base' }), [
      {
        id: 'ota-trip',
        name: 'Trip OTA',
        kind: 'online',
        enabled: true,
        commissionBps: 800,
        discountBps: 0,
        sellsFrom: null,
        sellsUntil: null,
      },
    ]);
    keys = {
      'ota-trip': await api.key('partner', 'ota-trip'),
      'box-office': await api.key('box-office', 'box-office'),
    };
  });

  it.each([11, 23, 37])('seed %i', async (seed) => {
    const areaId = `race-${seed}`;
    await api.seed(
      demoArea({
        id: areaId,
        dailyCapacity: CAPACITY,
        slots: [{ id: '0900', startsAt: '09:00', endsAt: '10:00', capacity: CAPACITY }],
        quotas: Object.entries(QUOTAS).map(([channelId, quota]) => ({ channelId, quota })),
        idDailyLimit: 5,
      }),
    );
    const rnd = prng(seed);
    const client = httpClient(api.url, 200);
    type Req = {
      key: string;
      channel: string;
      units: number;
      body: Record<string, unknown>;
      headers: Record<string, string>;
    };
    const reqs: Req[] = [];
    let person = 0;
    for (let i = 0; i < 5000; i++) {
      if (i > 20 && rnd() < 0.1) {
        reqs.push(reqs[Math.floor(rnd() * reqs.length)]!); // a client retrying with the same key
        continue;
      }
      const r = rnd();
      const channel = r < 0.4 ? 'web' : r < 0.6 ? 'mini' : r < 0.8 ? 'ota-trip' : 'box-office';
      const units = 1 + Math.floor(rnd() * 4);
      const visitors = Array.from({ length: units }, () => ({
        name: 'V',
        idNumber: residentId('19880808', person++),
      }));
      const headers: Record<string, string> = { 'idempotency-key': `race-${seed}-${i}` };
      if (keys[channel]) headers.authorization = `Bearer ${keys[channel]}`;
      const body = {
        areaId,
        date: D,
        slotId: '0900',
        ...(channel === 'mini' ? { channelId: 'mini' } : {}),
        items: [{ productId: 'adult', visitors }],
        ...(channel === 'ota-trip' ? { partnerOrderId: `trip-${seed}-${i}` } : {}),
      };
      reqs.push({ key: headers['idempotency-key']!, channel, units, body, headers });
    }
    const results = await Promise.all(
      reqs.map(async (q) => ({ q, res: await client.send('POST', '/v1/orders', q.body, q.headers) })),
    );
    client.close();

    const statuses = new Map<number, number>();
    for (const { res } of results) statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    expect([...statuses.keys()].sort()).toEqual(expect.arrayContaining([201, 409]));
    expect([...statuses.keys()].every((s) => s === 201 || s === 409)).toBe(true);
    const refusals = new Set(results.filter((r) => r.res.status === 409).map((r) => r.res.body.code));
    for (const c of refusals)
      expect(['slot_sold_out', 'day_sold_out', 'online_closed', 'channel_quota_reached']).toContain(c);

    // every key made exactly one order, and every replay answered with it
    const byKey = new Map<string, Set<unknown>>();
    for (const { q, res } of results)
      if (res.status === 201) byKey.set(q.key, (byKey.get(q.key) ?? new Set()).add(res.body.id));
    for (const ids of byKey.values()) expect(ids.size).toBe(1);
    const orders: { id: string; channel_id: string; units: number }[] = await api.platform
      .db('orders as o')
      .join('order_lines as l', 'l.order_id', 'o.id')
      .where({ 'o.area_id': areaId })
      .groupBy('o.id', 'o.channel_id')
      .select('o.id', 'o.channel_id', api.platform.db.raw('sum(l.units)::int as units'));
    expect(orders.length).toBe(byKey.size);
    expect(new Set(orders.map((o) => o.id))).toEqual(new Set([...byKey.values()].map((s) => [...s][0])));

    // no oversell: total, online share, each quota
    const sum = (f: (o: { channel_id: string }) => boolean) =>
      orders.filter(f).reduce((s, o) => s + o.units, 0);
    const total = sum(() => true);
    const online = sum((o) => ONLINE.has(o.channel_id));
    expect(total).toBeLessThanOrEqual(CAPACITY);
    expect(online).toBeLessThanOrEqual(85);
    expect(sum((o) => o.channel_id === 'mini')).toBeLessThanOrEqual(QUOTAS.mini);
    expect(sum((o) => o.channel_id === 'ota-trip')).toBeLessThanOrEqual(QUOTAS['ota-trip']);
    // the race filled the day: the box office takes what online could not
    expect(total).toBeGreaterThanOrEqual(CAPACITY - 3);
    expect(online).toBeGreaterThan(0);
    // the orange cut is exact: replaying the sales in the order Redis made them, no
    // online sale took the day past 85 units, and once it stood at 85 or more only
    // on-site sales followed
    const recs = [...(await api.platform.inventory.reservations(areaId, D)).values()].sort(
      (a, b) => a.seq - b.seq,
    );
    let used = 0;
    for (const r of recs) {
      used += r.units;
      expect(r.usedAfter).toBe(used);
      if (ONLINE.has(r.channelId)) expect(used).toBeLessThanOrEqual(85);
    }
    const firstOrange = recs.findIndex((r) => r.usedAfter >= 85);
    if (firstOrange >= 0)
      expect(recs.slice(firstOrange + 1).every((r) => r.channelId === 'box-office')).toBe(true);

    // Redis equals what Postgres implies
    const snap = await api.platform.inventory.snapshot(areaId, D);
    expect(snap.used).toBe(total);
    expect(snap.slots['0900']!.used).toBe(total);
    for (const ch of ['web', 'mini', 'ota-trip', 'box-office'])
      expect(snap.channels[ch]?.used ?? 0).toBe(sum((o) => o.channel_id === ch));
    expect(snap.level).toBe(total >= 100 ? 'red' : total >= 85 ? 'orange' : 'yellow');
    expect((await api.platform.inventory.reservations(areaId, D)).size).toBe(orders.length);
  });
});
