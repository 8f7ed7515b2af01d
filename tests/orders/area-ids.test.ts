import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useApi, residentId } from '../support/platform.js';
import { demoArea } from '../../core/catalog/demo.js';
import { Catalog } from '../../core/catalog/catalog.js';
import { registerGateDevice } from '../../core/checkin/devices.js';
import { createPlatform, type Platform } from '../../core/platform.js';
import { addDays, localParts } from '../../core/time.js';

/**
 * Issue 16: product, entrance and coupon ids are per area, and a catalog change reaches
 * every replica's cache at once. The demo's scenario: a test area declared with the demo
 * area's own product id `adult` (and its entrances and coupon codes) took them from it.
 */
const api = useApi({ app: { rateLimits: false } });
const D = addDays(localParts(new Date(), 'Asia/Shanghai').date, 3);
let person = 0;
let replica: Platform;

const order = (areaId: string, productId = 'adult') =>
  api.call('POST', '/v1/orders', {
    headers: { 'idempotency-key': randomUUID() },
    body: {
      areaId,
      date: D,
      slotId: '0900',
      items: [{ productId, visitors: [{ name: '张三', idNumber: residentId('19900307', person++) }] }],
    },
  });

/** The demo area's definition as the admin API takes it, under another id, with other prices. */
function testArea(id: string, adultPrice: number) {
  const { id: _id, ...def } = demoArea({ id });
  return {
    ...def,
    name: 'A test area',
    products: def.products.map((p) => (p.id === 'adult' ? { ...p, basePrice: adultPrice } : p)),
    coupons: def.coupons.map((c) => (c.code === 'WELCOME10' ? { ...c, value: 5000 } : c)),
  };
}

beforeAll(async () => {
  await api.seed(demoArea({ id: 'lake-a' }));
  // a second API replica over the same Postgres and Redis
  replica = createPlatform(api.cfg, { role: 'api' });
  await replica.catalog.following;
});
afterAll(async () => {
  await replica?.close();
});

describe('16 ids per area', () => {
  it('area B declaring product `adult` (and A’s entrances and coupons) leaves A selling its `adult`', async () => {
    const before = await order('lake-a');
    expect(before.status).toBe(201);
    expect(before.body.amountTotal).toBe(8000);

    const put = await api.call('PUT', '/v1/admin/areas/lake-b', {
      key: api.adminKey,
      body: testArea('lake-b', 9900),
    });
    expect(put.status).toBe(200);

    // A, as a replica with nothing cached reads it: its product, entrance and coupon are its own
    const a = await new Catalog(api.platform.db, api.platform.clock).area('lake-a');
    expect(a.products.get('adult')).toMatchObject({ areaId: 'lake-a', basePrice: 8000 });
    expect(a.entrances.map((e) => e.id)).toContain('north-gate');
    const [coupon] = await api.platform.catalog.coupons('lake-a', ['WELCOME10']);
    expect(coupon?.value).toBe(1000);

    const after = await order('lake-a');
    expect(after.status).toBe(201);
    expect(after.body.amountTotal).toBe(8000);
    const fromB = await order('lake-b');
    expect(fromB.status).toBe(201);
    expect(fromB.body.amountTotal).toBe(9900);
    const shown = await api.call('GET', '/v1/areas/lake-a');
    expect(
      (shown.body.products as { id: string; basePrice: number }[]).find((p) => p.id === 'adult'),
    ).toMatchObject({
      basePrice: 8000,
    });

    // a gate of A's north gate can still be registered: the entrance was not moved to B
    const gate = await registerGateDevice(
      api.platform.db,
      { id: 'lake-a-north-1', areaId: 'lake-a', entranceId: 'north-gate', kind: 'turnstile' },
      api.platform.clock,
    );
    expect(gate.device.areaId).toBe('lake-a');
  });

  it('a catalog change through one replica reaches the other replica’s cache at once (no TTL wait)', async () => {
    expect((await replica.catalog.area('lake-a')).dailyCapacity).toBe(5000);
    const t0 = Date.now();
    const put = await api.call('PUT', '/v1/admin/areas/lake-a', {
      key: api.adminKey,
      body: { ...testArea('lake-a', 8000), dailyCapacity: 6000 },
    });
    expect(put.status).toBe(200);
    for (;;) {
      if ((await replica.catalog.area('lake-a')).dailyCapacity === 6000) break;
      if (Date.now() - t0 > 1_000) throw new Error('the other replica still sells from its cached catalog');
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(Date.now() - t0).toBeLessThan(1_000);
    // and the area B declared is untouched by A's change
    expect((await replica.catalog.area('lake-b')).products.get('adult')?.basePrice).toBe(9900);
  });
});
