import { randomUUID } from 'node:crypto';
import { demoArea } from '../../core/catalog/demo.js';
import type { AreaDefinition } from '../../core/catalog/definition.js';
import type { TestPlatform } from '../support/platform.js';

/** An area for joint tickets: one all-day slot, plain prices, no quotas. */
export function jointArea(id: string, capacity = 100): AreaDefinition {
  return demoArea({
    id,
    name: `Area ${id}`,
    dailyCapacity: capacity,
    slots: [{ id: 'day', startsAt: '00:00', endsAt: '23:59', capacity }],
    quotas: [],
    priceRules: [],
    coupons: [],
  });
}

/** A supplier and a joint product over `areas` (equal area shares, the hotel 30 %), through the admin API. */
export async function defineJoint(
  api: TestPlatform,
  id: string,
  areas: string[],
  price = 20_000,
): Promise<void> {
  const admin = { key: api.adminKey };
  const s = await api.call('PUT', '/v1/admin/suppliers/lakeside-inn', {
    ...admin,
    body: { name: 'Lakeside Inn', kind: 'hotel' },
  });
  if (s.status !== 200) throw new Error(`supplier: ${s.status} ${JSON.stringify(s.body)}`);
  const areaShare = Math.floor(7000 / areas.length);
  const shares = areas.map((_, i) => (i === 0 ? 7000 - areaShare * (areas.length - 1) : areaShare));
  const j = await api.call('PUT', `/v1/admin/joint-products/${id}`, {
    ...admin,
    body: {
      name: `Joint ${id}`,
      price,
      areas: areas.map((areaId, i) => ({ areaId, slotId: 'day', shareBps: shares[i] })),
      suppliers: [{ supplierId: 'lakeside-inn', item: 'one night', shareBps: 3000 }],
    },
  });
  if (j.status !== 200) throw new Error(`joint product: ${j.status} ${JSON.stringify(j.body)}`);
}

export type Body = Record<string, unknown>;

/** A visitor buys a joint ticket, pays it at WeChat Pay (the fake) and waits for it to be issued. */
export async function buyAndPay(
  api: TestPlatform,
  body: Body,
): Promise<{ order: Body; token: string; tickets: Body[] }> {
  const placed = await api.call('POST', '/v1/joint-orders', {
    headers: { 'idempotency-key': randomUUID() },
    body,
  });
  if (placed.status !== 201) throw new Error(`joint order: ${placed.status} ${JSON.stringify(placed.body)}`);
  const id = placed.body.id as string;
  const token = placed.body.accessToken as string;
  const pay = await api.call('POST', `/v1/orders/${id}/payments`, { headers: { 'x-order-token': token } });
  if (pay.status !== 201) throw new Error(`payment: ${pay.status} ${JSON.stringify(pay.body)}`);
  await api.pay(id);
  for (let i = 0; i < 100; i++) {
    const o = await api.call('GET', `/v1/orders/${id}`, { headers: { 'x-order-token': token } });
    if (o.body.status === 'issued') return { order: o.body, token, tickets: o.body.tickets as Body[] };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`order ${id} was not issued`);
}
