import { beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { useApi, residentId } from '../support/platform.js';
import { demoArea } from '../../core/catalog/demo.js';
import { addDays, localParts } from '../../core/time.js';

/**
 * 17.8: anonymous stock hoarding. An anonymous order holds at most 10 units, at most 20 at
 * once per client address and per device on an area-day, for 5 minutes; checksum-valid
 * made-up ID numbers change nothing (the budget counts units); larger holds need a
 * verified caller (a signed-in visitor, staff, a partner).
 */
const D = addDays(localParts(new Date(), 'Asia/Shanghai').date, 5);
let seq = 100;
const madeUp = (n: number) =>
  Array.from({ length: n }, () => ({ name: 'Bot', idNumber: residentId('19900101', seq++) }));

describe('17.8 anonymous holds are capped per caller, device and address', () => {
  const api = useApi({
    app: { rateLimits: false },
    env: {
      SCENIC_ANON_UNITS_PER_ORDER: '10',
      SCENIC_ANON_HELD_UNITS: '20',
      SCENIC_ANON_HOLD_TTL_SECONDS: '300',
      SCENIC_VISITOR_HELD_UNITS: '50',
    },
  });
  beforeAll(() => api.seed(demoArea({ id: 'hoard', quotas: [] })));
  const order = (n: number, headers: Record<string, string> = {}, date = D) =>
    api.call('POST', '/v1/orders', {
      headers: { 'idempotency-key': randomUUID(), ...headers },
      body: { areaId: 'hoard', date, slotId: '0900', items: [{ productId: 'adult', visitors: madeUp(n) }] },
    });
  const from = (ip: string, device?: string) => ({
    'x-forwarded-for': ip,
    ...(device ? { 'x-device-id': device } : {}),
  });

  it('refuses an anonymous order of more than 10 units', async () => {
    const r = await order(11, from('198.51.100.10'));
    expect(r.status).toBe(403);
    expect(r.body.code).toBe('hold_too_large');
  });

  it('holds at most 20 units per address on an area-day, for 5 minutes, whatever the ID numbers', async () => {
    const a = await order(10, from('198.51.100.11'));
    expect(a.status).toBe(201);
    const held = Date.parse(String(a.body.expiresAt)) - Date.parse(String(a.body.createdAt));
    expect(held).toBeLessThanOrEqual(300_000);
    expect((await order(10, from('198.51.100.11'))).status).toBe(201);
    const third = await order(1, from('198.51.100.11'));
    expect(third.status).toBe(409);
    expect(third.body.code).toBe('hold_limit_reached');
    // another day, another address: budgets of their own
    expect((await order(1, from('198.51.100.11'), addDays(D, 1))).status).toBe(201);
    expect((await order(10, from('198.51.100.12'))).status).toBe(201);
  });

  it('caps a device across addresses', async () => {
    expect((await order(10, from('198.51.100.20', 'bot-device-1'))).status).toBe(201);
    expect((await order(10, from('198.51.100.21', 'bot-device-1'))).status).toBe(201);
    expect((await order(1, from('198.51.100.22', 'bot-device-1'))).body.code).toBe('hold_limit_reached');
  });

  it('frees the budget when a hold ends early', async () => {
    const first = await order(10, from('198.51.100.30'));
    expect((await order(10, from('198.51.100.30'))).status).toBe(201);
    expect((await order(5, from('198.51.100.30'))).status).toBe(409);
    const cancel = await api.call('POST', `/v1/orders/${String(first.body.id)}/cancel`, {
      headers: { 'x-order-token': String(first.body.accessToken) },
    });
    expect(cancel.status).toBe(200);
    expect((await order(5, from('198.51.100.30'))).status).toBe(201);
  });

  it('lets a signed-in visitor and staff hold more', async () => {
    expect((await api.call('POST', '/v1/auth/otp', { body: { phone: '13912345678' } })).status).toBe(202);
    const line = api.logLines.find((l) => l.includes('sign-in code') && l.includes('139****5678'))!;
    const code = /code: (\d{6})/.exec(line)![1]!;
    const s = await api.call('POST', '/v1/auth/session', { body: { phone: '13912345678', code } });
    const signedIn = { ...from('198.51.100.11'), authorization: `Bearer ${String(s.body.token)}` };
    expect((await order(30, signedIn)).status).toBe(201); // the anonymous budget of this address is full
    expect((await order(30, signedIn)).body.code).toBe('hold_limit_reached'); // 50 per phone
    const box = await api.key('box-office', 'box-office');
    expect((await order(45, { authorization: `Bearer ${box}` })).status).toBe(201);
    expect((await order(45, { authorization: `Bearer ${box}` })).status).toBe(201);
  });
});
