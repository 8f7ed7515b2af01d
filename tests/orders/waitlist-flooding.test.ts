import { beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { useApi } from '../support/platform.js';
import { demoArea } from '../../core/catalog/demo.js';
import { addDays, localParts } from '../../core/time.js';

/**
 * 17.10: waiting-list flooding. Joining needs a phone verified by SMS (a visitor session)
 * and only for that phone; live entries are limited per phone, device and address on an
 * area-day; entry and claim ids are unguessable, and the old sequential ones are refused
 * cleanly.
 */
const D = addDays(localParts(new Date(), 'Asia/Shanghai').date, 7);

describe('17.10 the waiting list cannot be flooded', () => {
  const api = useApi({ app: { rateLimits: false } });
  beforeAll(() =>
    api.seed(
      demoArea({
        id: 'wlf',
        slots: [{ id: '0900', startsAt: '09:00', endsAt: '10:00', capacity: 1 }],
        quotas: [],
      }),
    ),
  );
  const join = (phone: string, headers: Record<string, string> = {}, slotId = '0900') =>
    api.call('POST', '/v1/waitlist', {
      headers: { 'idempotency-key': randomUUID(), ...headers },
      body: { areaId: 'wlf', date: D, slotId, units: 1, contactPhone: phone },
    });
  const as = async (phone: string, extra: Record<string, string> = {}) => ({
    authorization: `Bearer ${await api.signIn(phone)}`,
    ...extra,
  });

  it('refuses anonymous joins and joins for another phone than the signed-in one', async () => {
    const anon = await join('13600000001');
    expect(anon.status).toBe(403);
    expect(anon.body.code).toBe('sign_in_required');
    const other = await join('13600000099', await as('13600000002'));
    expect(other.status).toBe(400);
    expect(other.body.code).toBe('waitlist_phone_not_verified');
  });

  it('limits live entries per phone, device and address', async () => {
    const phone = await as('13600000003', { 'x-forwarded-for': '198.51.100.40' });
    expect((await join('13600000003', phone)).status).toBe(201);
    expect((await join('13600000003', phone)).status).toBe(201);
    const third = await join('13600000003', phone);
    expect(third.status).toBe(409);
    expect(third.body.code).toBe('waitlist_limit_reached');
    // one device with many phones
    const dev = { 'x-device-id': 'flood-device-0001' };
    const codes: unknown[] = [];
    for (let i = 10; i < 15; i++)
      codes.push((await join(`136000000${i}`, await as(`136000000${i}`, dev))).body.code);
    expect(codes.slice(0, 4)).toEqual([undefined, undefined, undefined, undefined]);
    expect(codes[4]).toBe('waitlist_limit_reached');
    // one address with many phones and devices
    const addr = (i: number) => ({ 'x-forwarded-for': '198.51.100.41', 'x-device-id': `device-${i}-xxxx` });
    const got: number[] = [];
    for (let i = 20; i < 31; i++)
      got.push((await join(`136000000${i}`, await as(`136000000${i}`, addr(i)))).status);
    expect(got.filter((s) => s === 201)).toHaveLength(10);
    expect(got[10]).toBe(409);
  });

  it('answers unguessable ids and refuses the old sequential ones cleanly', async () => {
    const e = await join('13600000050', await as('13600000050'));
    expect(e.status).toBe(201);
    expect(String(e.body.id)).toMatch(/^wl_[0-9a-f]{32}$/);
    expect((await api.call('GET', `/v1/waitlist/${String(e.body.id)}`)).body.state).toBe('waiting');
    const row = await api.platform
      .db('waitlist')
      .where({ public_id: String(e.body.id) })
      .first();
    const old = await api.call('GET', `/v1/waitlist/${row!.id}`);
    expect(old.status).toBe(404);
    expect(old.body.code).toBe('waitlist_entry_not_found');
    expect((await api.call('GET', '/v1/waitlist/1')).status).toBe(404);
  });
});
