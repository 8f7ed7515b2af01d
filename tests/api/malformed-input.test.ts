import { beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { useApi, residentId } from '../support/platform.js';
import { demoArea } from '../../core/catalog/demo.js';
import { addDays, localParts } from '../../core/time.js';

/**
 * 17.19: malformed input is a 400 problem+json naming the field, on every route, never a
 * 500 — NUL characters (Postgres refuses them), integers past 32 bits, duplicate ids in
 * one declaration, and JSON nested thousands deep. Checked once, in the validation layer.
 */
const D = addDays(localParts(new Date(), 'Asia/Shanghai').date, 3);
const order = (over: Record<string, unknown> = {}) => ({
  areaId: 'mal',
  date: D,
  slotId: '0900',
  items: [{ productId: 'adult', visitors: [{ name: '张三', idNumber: residentId('19900307', 11) }] }],
  ...over,
});
/** JSON text nested `n` objects deep (built as text: JSON.stringify itself would overflow). */
const deepText = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;

describe('17.19 malformed input answers 400 naming the field', () => {
  const api = useApi({ app: { rateLimits: false } });
  beforeAll(() => api.seed(demoArea({ id: 'mal' })));
  const area = () => structuredClone(demoArea({ id: 'mal2' })) as unknown as Record<string, unknown>;

  it.each([
    [
      'a NUL in a visitor name',
      () =>
        order({ items: [{ productId: 'adult', visitors: [{ name: 'a\u0000b', idNumber: residentId() }] }] }),
      'items.0.visitors.0.name',
    ],
    ['a NUL in a key', () => ({ ...order(), ['x\u0000']: 1 }), 'x\u0000'],
  ])('POST /v1/orders with %s', async (_n, body, field) => {
    const r = await api.call('POST', '/v1/orders', {
      body: body(),
      headers: { 'idempotency-key': randomUUID() },
    });
    expect(r.status).toBe(400);
    expect(r.headers.get('content-type')).toContain('application/problem+json');
    expect((r.body.errors as { path: string }[]).map((e) => e.path)).toContain(field);
  });

  it.each([
    ['/v1/orders', 'POST'],
    ['/v1/admin/areas/mal3', 'PUT'],
  ])('%s with JSON nested 5,000 deep', async (path, method) => {
    const text = JSON.stringify(order()).replace('"date"', `"contactPhone":${deepText(5000)},"date"`);
    const res = await fetch(api.url + path, {
      method,
      headers: {
        'content-type': 'application/json',
        'idempotency-key': randomUUID(),
        authorization: `Bearer ${api.adminKey}`,
      },
      body: text,
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: { path: string }[] };
    expect(body.errors[0]!.path).toMatch(/^contactPhone(\.a)+$/);
  });

  it('a NUL in a query parameter', async () => {
    const r = await api.call('GET', `/v1/areas/mal/availability?date=${D}&channel=we%00b`);
    expect(r.status).toBe(400);
    expect((r.body.errors as { path: string }[])[0]!.path).toBe('channel');
  });

  it.each([
    [
      'a capacity past 32 bits',
      (a: Record<string, unknown>) => ((a.slots as { capacity: number }[])[0]!.capacity = 2 ** 40),
      'slots.0.capacity',
    ],
    [
      'a price past 32 bits',
      (a: Record<string, unknown>) => ((a.products as { basePrice: number }[])[0]!.basePrice = 2 ** 35),
      'products.0.basePrice',
    ],
    [
      'a duplicate slot id',
      (a: Record<string, unknown>) => {
        const s = a.slots as { id: string }[];
        s[1]!.id = s[0]!.id;
      },
      'slots.1.id',
    ],
    [
      'a duplicate product id',
      (a: Record<string, unknown>) => {
        const s = a.products as { id: string }[];
        s[2]!.id = s[0]!.id;
      },
      'products.2.id',
    ],
    [
      'a duplicate coupon code',
      (a: Record<string, unknown>) => {
        const s = a.coupons as { code: string }[];
        s[1]!.code = s[0]!.code;
      },
      'coupons.1.code',
    ],
  ])('PUT /v1/admin/areas/{id} with %s', async (_n, spoil, field) => {
    const a = area();
    spoil(a);
    const r = await api.call('PUT', '/v1/admin/areas/mal2', { body: a, key: api.adminKey });
    expect(r.status).toBe(400);
    expect((r.body.errors as { path: string }[]).map((e) => e.path)).toContain(field);
  });

  it('a limit past 32 bits in a query', async () => {
    const r = await api.call('GET', '/v1/admin/audit?limit=99999999999', { key: api.adminKey });
    expect(r.status).toBe(400);
  });
});
