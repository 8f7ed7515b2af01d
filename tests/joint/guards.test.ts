import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { residentId, useApi } from '../support/platform.js';
import { addDays, localParts } from '../../core/time.js';
import { buyAndPay, defineJoint, jointArea, type Body } from './support.js';

const D = addDays(localParts(new Date(), 'Asia/Shanghai').date, 2);
let person = 300;
const visitors = (n: number) =>
  Array.from({ length: n }, () => ({ name: 'Bot', idNumber: residentId('19900101', person++) }));
const from = (ip: string, device?: string) => ({
  'x-forwarded-for': ip,
  ...(device ? { 'x-device-id': device } : {}),
});

/**
 * Issue 18 with 17.8: a joint order obeys the guards of an ordinary one. Its stock at every
 * area counts against the caller's held-units budget of that area-day (per address, per
 * device, per signed-in caller), the budget an ordinary order there counts against too; a
 * refusal at any area gives back what the earlier areas took. And a reschedule, which moves
 * stock at the order's own area only, is refused for a joint order in a problem+json of its own.
 */
describe('18 joint orders: the held-units caps of 17.8 and no reschedule', () => {
  const api = useApi({
    app: { rateLimits: false },
    env: {
      SCENIC_ANON_UNITS_PER_ORDER: '4',
      SCENIC_ANON_HELD_UNITS: '6',
      SCENIC_ANON_HOLD_TTL_SECONDS: '120',
      SCENIC_VISITOR_HELD_UNITS: '50',
    },
  });
  beforeAll(async () => {
    await api.seed(jointArea('ga'));
    await api.seed(jointArea('gb'));
    await defineJoint(api, 'pair', ['ga', 'gb']);
  });
  const joint = (n: number, headers: Record<string, string>) =>
    api.call('POST', '/v1/joint-orders', {
      headers: { 'idempotency-key': randomUUID(), ...headers },
      body: { jointProductId: 'pair', date: D, visitors: visitors(n) },
    });
  const single = (areaId: string, n: number, headers: Record<string, string>) =>
    api.call('POST', '/v1/orders', {
      headers: { 'idempotency-key': randomUUID(), ...headers },
      body: { areaId, date: D, slotId: 'day', items: [{ productId: 'adult', visitors: visitors(n) }] },
    });
  const used = async () =>
    Promise.all(['ga', 'gb'].map(async (a) => (await api.platform.inventory.snapshot(a, D)).used));

  it('17.8: refuses an anonymous joint order larger than an anonymous order may be, taking no stock', async () => {
    const before = await used();
    const r = await joint(5, from('198.51.100.40'));
    expect(r.status).toBe(403);
    expect(r.body.code).toBe('hold_too_large');
    expect(r.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(await used()).toEqual(before);
  });

  it('17.8: an address holds at most its budget at each area, joint and ordinary orders together, for the anonymous hold time', async () => {
    const ip = from('198.51.100.41');
    const a = await joint(4, ip);
    expect(a.status, JSON.stringify(a.body)).toBe(201);
    const held = Date.parse(String(a.body.expiresAt)) - Date.parse(String(a.body.createdAt));
    expect(held).toBeLessThanOrEqual(120_000);
    const before = await used();
    const b = await joint(3, ip);
    expect(b.status).toBe(409);
    expect(b.body.code).toBe('hold_limit_reached');
    expect(await used()).toEqual(before);
    // the same budget an ordinary order at either area counts against
    expect((await single('gb', 3, ip)).body.code).toBe('hold_limit_reached');
    expect((await single('gb', 2, ip)).status).toBe(201);
    // another address has budgets of its own
    expect((await joint(4, from('198.51.100.42'))).status).toBe(201);
  });

  it('17.8: a refusal at the second area gives back the first area its stock and budget', async () => {
    const ip = from('198.51.100.43');
    // the address's budget at gb is nearly full, at ga empty
    expect((await single('gb', 4, ip)).status).toBe(201);
    const before = await used();
    const r = await joint(3, ip);
    expect(r.status).toBe(409);
    expect(r.body.code).toBe('hold_limit_reached');
    expect(await used()).toEqual(before); // ga took 3 and gave them back
    // ga's budget is whole again: 4 + 2 fit it
    expect((await single('ga', 4, ip)).status).toBe(201);
    expect((await single('ga', 2, ip)).status).toBe(201);
  });

  it('17.8: a device is capped across addresses, and a cancelled joint hold frees its budget', async () => {
    const first = await joint(4, from('198.51.100.50', 'bot-device-9'));
    expect(first.status).toBe(201);
    expect((await joint(3, from('198.51.100.51', 'bot-device-9'))).body.code).toBe('hold_limit_reached');
    const cancel = await api.call('POST', `/v1/orders/${String(first.body.id)}/cancel`, {
      headers: { 'x-order-token': String(first.body.accessToken) },
    });
    expect(cancel.status).toBe(200);
    expect((await joint(3, from('198.51.100.52', 'bot-device-9'))).status).toBe(201);
  });

  it('refuses to reschedule a joint order in every channel (joint_not_reschedulable); its tickets and stock stay', async () => {
    const { order, token, tickets } = await buyAndPay(api, {
      jointProductId: 'pair',
      date: D,
      visitors: visitors(1),
    });
    const before = await used();
    const to = { date: addDays(D, 1), slotId: 'day' };
    const mine = await api.call('POST', `/v1/orders/${String(order.id)}/reschedule`, {
      headers: { 'x-order-token': token, 'idempotency-key': randomUUID() },
      body: to,
    });
    expect(mine.status).toBe(409);
    expect(mine.body.code).toBe('joint_not_reschedulable');
    expect(mine.headers.get('content-type')).toMatch(/application\/problem\+json/);
    // the same answer for the staff at the desk
    const staff = await api.call('POST', `/v1/orders/${String(order.id)}/reschedule`, {
      key: api.adminKey,
      headers: { 'idempotency-key': randomUUID() },
      body: to,
    });
    expect(staff.body.code).toBe('joint_not_reschedulable');
    const now = await api.call('GET', `/v1/orders/${String(order.id)}`, {
      headers: { 'x-order-token': token },
    });
    expect(now.body.status).toBe('issued');
    expect((now.body.tickets as Body[]).map((t) => [t.areaId, t.date ?? t.visitDate, t.status])).toEqual(
      tickets.map((t) => [t.areaId, t.date ?? t.visitDate, t.status]),
    );
    expect(await used()).toEqual(before);
    expect((await api.platform.inventory.snapshot('ga', to.date)).used).toBe(0);
  });
});
