import { beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { useApi, residentId } from '../support/platform.js';
import { waitFor } from '../support/processes.js';
import { ManualClock } from '../../core/clock.js';
import { demoArea } from '../../core/catalog/demo.js';
import { addDays, localParts } from '../../core/time.js';
import { releaseExpiredPresaleHolds } from '../../core/presale/holds.js';
import { reconcileAll, hasDrift } from '../../core/orders/reconcile.js';

const start = new Date();
const D = addDays(localParts(start, 'Asia/Shanghai').date, 10);
type Body = Record<string, unknown>;

describe('presale: waiting room, admission and the hold hot path', () => {
  const clock = new ManualClock(start);
  const api = useApi({ clock, app: { rateLimits: false } });
  beforeAll(() =>
    api.seed(
      demoArea({
        id: 'presale',
        slots: [{ id: '0900', startsAt: '09:00', endsAt: '10:00', capacity: 5 }],
        quotas: [],
      }),
    ),
  );

  const join = (device: string) => api.call('POST', '/v1/queue/presale/join', { body: { deviceId: device } });
  const status = (token: string) =>
    api.call('GET', '/v1/queue/presale/status', { headers: { 'x-queue-token': token } });
  const hold = (token: string | undefined, quantity = 1, device = 'device-000001') =>
    api.call('POST', '/v1/presale/holds', {
      headers: token ? { 'x-admission-token': token, 'x-device-id': device } : {},
      body: { areaId: 'presale', date: D, slotId: '0900', quantity },
    });

  it('refuses to queue before a room is configured, and only admins configure it', async () => {
    expect((await join('device-000001')).body.code).toBe('no_waiting_room');
    const body = {
      opensAt: new Date(clock.now().getTime() + 10_000).toISOString(),
      ratePerSecond: 2,
      burst: 2,
    };
    expect((await api.call('PUT', '/v1/admin/areas/presale/waiting-room', { body })).status).toBe(401);
    const ok = await api.call('PUT', '/v1/admin/areas/presale/waiting-room', { body, key: api.adminKey });
    expect(ok.status).toBe(200);
  });

  it('numbers buyers by arrival, one number per device, and admits at the configured rate', async () => {
    // before opening nobody is admitted, but everyone gets a place
    const early = await join('device-000001');
    expect(early.status).toBe(429);
    expect(early.headers.get('retry-after')).toBeTruthy();
    expect(early.body).toMatchObject({ code: 'waiting_room', position: 1, admitted: false });
    const again = await join('device-000001');
    expect(again.body.position).toBe(1);
    const others = [];
    for (let i = 2; i <= 8; i++) others.push(await join(`device-00000${i}`));
    expect(others.map((o) => o.body.position)).toEqual([2, 3, 4, 5, 6, 7, 8]);

    clock.advance(10_000); // opens: burst 2 are in
    const s1 = await status(early.body.queueToken as string);
    expect(s1.status).toBe(200);
    expect(s1.body).toMatchObject({ admitted: true, position: 1 });
    expect(s1.body.admissionToken).toMatch(/^a2\./);
    const s4 = await status(others[2]!.body.queueToken as string); // position 4
    expect(s4.status).toBe(429);
    expect(s4.body).toMatchObject({ position: 4, ahead: 1 });
    expect(Number(s4.headers.get('retry-after'))).toBe(1);
    clock.advance(1_000); // +2 per second
    expect((await status(others[2]!.body.queueToken as string)).status).toBe(200);
    expect((await status('q1.presale.4.forgedforgedforgedforged')).body.code).toBe('bad_queue_token');
  });

  it('lets only admitted buyers hold, never oversells, and answers sold out from memory', async () => {
    expect((await hold(undefined)).status).toBe(401);
    expect((await hold('a1.presale.1.99999999999999.forgedforgedforgedforg')).status).toBe(401);
    clock.advance(10_000); // everyone in
    const tokens: string[] = [];
    for (let i = 1; i <= 8; i++) {
      const j = await join(`device-00000${i}`);
      tokens.push((await status(j.body.queueToken as string)).body.admissionToken as string);
    }
    const results = await Promise.all(tokens.map((t, i) => hold(t, i < 2 ? 2 : 1, `device-00000${i + 1}`)));
    const held = results.filter((r) => r.status === 201);
    const units = held.reduce((s, r) => s + (r.body.quantity as number), 0);
    expect(units).toBeLessThanOrEqual(5);
    expect(results.filter((r) => r.status === 409).every((r) => r.body.code === 'slot_sold_out')).toBe(true);
    expect((await api.platform.inventory.snapshot('presale', D)).slots['0900']!.used).toBe(units);
    // the next refusal comes from the replica's memory, not from Redis
    await waitFor(
      'sold-out cached',
      async () => (await hold(tokens[7], 1, 'device-000008')).body.fromCache === true,
      3_000,
    );

    // a hold becomes a real-name order with the same number of tickets
    const h = held.find((r) => r.body.quantity === 1) ?? held[0]!;
    const q = h.body.quantity as number;
    const visitors = Array.from({ length: q }, (_, i) => ({
      name: 'P',
      idNumber: residentId('19950505', i + 1),
    }));
    const wrong = await api.call('POST', '/v1/orders', {
      headers: { 'idempotency-key': randomUUID() },
      body: {
        areaId: 'presale',
        date: D,
        slotId: '0900',
        holdId: h.body.holdId,
        items: [
          { productId: 'adult', visitors: [...visitors, { name: 'X', idNumber: residentId('19950505', 9) }] },
        ],
      },
    });
    expect(wrong.body.code).toBe('hold_mismatch');
    const o = await api.call('POST', '/v1/orders', {
      headers: { 'idempotency-key': randomUUID() },
      body: {
        areaId: 'presale',
        date: D,
        slotId: '0900',
        holdId: h.body.holdId,
        items: [{ productId: 'adult', visitors }],
      },
    });
    expect(o.status).toBe(201);
    expect((await api.platform.inventory.snapshot('presale', D)).slots['0900']!.used).toBe(units);
    const reuse = await api.call('POST', '/v1/orders', {
      headers: { 'idempotency-key': randomUUID() },
      body: {
        areaId: 'presale',
        date: D,
        slotId: '0900',
        holdId: h.body.holdId,
        items: [{ productId: 'adult', visitors }],
      },
    });
    expect(reuse.body.code).toBe('hold_not_available');

    // unused holds expire and go back on sale; Redis and Postgres agree afterwards
    clock.advance(5 * 60_000 + 1);
    expect(await releaseExpiredPresaleHolds(api.platform.inventory, ['presale'])).toBe(held.length - 1);
    expect((await api.platform.inventory.snapshot('presale', D)).slots['0900']!.used).toBe(q);
    const reports = await reconcileAll(
      api.platform.orders,
      await api.platform.inventory.reservationDays(),
      0,
    );
    expect(reports.filter(hasDrift)).toEqual([]);
  });

  it.each([
    ['malformed JSON', '{"areaId":', 'malformed_json'],
    [
      'zero quantity',
      JSON.stringify({ areaId: 'presale', date: D, slotId: '0900', quantity: 0 }),
      'invalid_input',
    ],
    [
      'bad date',
      JSON.stringify({ areaId: 'presale', date: '15/07', slotId: '0900', quantity: 1 }),
      'invalid_input',
    ],
    ['huge body', JSON.stringify({ pad: 'x'.repeat(5000) }), 'body_too_large'],
  ])('answers a %s hold with problem+json', async (_n, body, code) => {
    const res = await fetch(`${api.url}/v1/presale/holds`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as Body).code).toBe(code);
  });
});
