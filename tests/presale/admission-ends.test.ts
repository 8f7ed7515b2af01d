import { beforeAll, describe, expect, it } from 'vitest';
import { useApi } from '../support/platform.js';
import { ManualClock } from '../../core/clock.js';
import { demoArea } from '../../core/catalog/demo.js';
import { addDays, localParts } from '../../core/time.js';

/**
 * 17.7: a presale admission ends. Queue tokens expire, an admission is bound to the device
 * that joined and to the units it may hold (the status stops minting admissions once they
 * are used), the room closes at closesAt, and presale holds obey the booking window and
 * the channel's state like every other sale.
 */
const start = new Date();
const today = localParts(start, 'Asia/Shanghai').date;
const D = addDays(today, 10);

describe('17.7 presale admissions end', () => {
  const clock = new ManualClock(start);
  const api = useApi({ clock, app: { rateLimits: false } });
  beforeAll(async () => {
    for (const id of ['adm', 'adm-closed'])
      await api.seed(
        demoArea({
          id,
          slots: [{ id: '0900', startsAt: '09:00', endsAt: '10:00', capacity: 500 }],
          quotas: [],
        }),
      );
    expect((await room('adm', { unitsPerAdmission: 4 })).status).toBe(200);
  });
  const room = (id: string, extra: Record<string, unknown> = {}) =>
    api.call('PUT', `/v1/admin/areas/${id}/waiting-room`, {
      key: api.adminKey,
      body: {
        opensAt: new Date(clock.now().getTime() - 1000).toISOString(),
        ratePerSecond: 100,
        burst: 100,
        ...extra,
      },
    });

  const join = (area: string, device: string) =>
    api.call('POST', `/v1/queue/${area}/join`, { body: { deviceId: device } });
  const status = (area: string, token: string) =>
    api.call('GET', `/v1/queue/${area}/status`, { headers: { 'x-queue-token': token } });
  const hold = (area: string, admission: string, device: string | null, over: Record<string, unknown> = {}) =>
    api.call('POST', '/v1/presale/holds', {
      headers: { 'x-admission-token': admission, ...(device ? { 'x-device-id': device } : {}) },
      body: { areaId: area, date: D, slotId: '0900', quantity: 1, ...over },
    });

  it('binds an admission to the device that joined', async () => {
    const j = await join('adm', 'device-aaaa-0001');
    expect(j.status).toBe(200);
    const a = j.body.admissionToken as string;
    expect((await hold('adm', a, 'device-bbbb-0002')).body.code).toBe('admission_wrong_device');
    expect((await hold('adm', a, null)).body.code).toBe('admission_wrong_device');
    expect((await hold('adm', a, 'device-aaaa-0001')).status).toBe(201);
  });

  it('lets one admission hold only its units, and then mints no more', async () => {
    const j = await join('adm', 'device-cccc-0003');
    const a = j.body.admissionToken as string;
    expect((await hold('adm', a, 'device-cccc-0003', { quantity: 3 })).status).toBe(201);
    const over = await hold('adm', a, 'device-cccc-0003', { quantity: 2 });
    expect(over.status).toBe(409);
    expect(over.body.code).toBe('admission_used');
    expect((await hold('adm', a, 'device-cccc-0003', { quantity: 1 })).status).toBe(201);
    // used up: the same place gets no new admission, from status or from joining again
    const s = await status('adm', j.body.queueToken as string);
    expect(s.status).toBe(409);
    expect(s.body.code).toBe('admission_used');
    expect((await join('adm', 'device-cccc-0003')).body.code).toBe('admission_used');
    expect((await hold('adm', a, 'device-cccc-0003')).body.code).toBe('admission_used');
  });

  it('gives the units back when the stock refuses them', async () => {
    const j = await join('adm', 'device-dddd-0004');
    const a = j.body.admissionToken as string;
    const past = await hold('adm', a, 'device-dddd-0004', { date: addDays(today, -1), quantity: 4 });
    expect(past.status).toBe(400);
    expect((past.body.errors as { path: string }[])[0]!.path).toBe('date');
    const far = await hold('adm', a, 'device-dddd-0004', { date: addDays(today, 400), quantity: 4 });
    expect(far.status).toBe(400);
    expect((await hold('adm', a, 'device-dddd-0004', { slotId: 'nope', quantity: 4 })).status).toBe(400);
    // nothing was taken by the refusals: all four units are still there
    expect((await hold('adm', a, 'device-dddd-0004', { quantity: 4 })).status).toBe(201);
  });

  it('obeys the channel: paused or switched off, presale holds stop too', async () => {
    const j = await join('adm', 'device-eeee-0005');
    const a = j.body.admissionToken as string;
    const reason = { reason: 'test' };
    expect(
      (await api.call('POST', '/v1/admin/areas/adm/channels/web/pause', { key: api.adminKey, body: reason }))
        .status,
    ).toBe(200);
    expect((await hold('adm', a, 'device-eeee-0005')).body.code).toBe('channel_paused');
    await api.call('POST', '/v1/admin/areas/adm/channels/web/resume', { key: api.adminKey, body: reason });
    expect(
      (await api.call('POST', '/v1/admin/channels/web/disable', { key: api.adminKey, body: reason })).status,
    ).toBe(200);
    expect((await hold('adm', a, 'device-eeee-0005')).body.code).toBe('channel_disabled');
    await api.call('POST', '/v1/admin/channels/web/enable', { key: api.adminKey, body: reason });
    expect((await hold('adm', a, 'device-eeee-0005')).status).toBe(201);
  });

  it('expires queue tokens (joining again from the device gives the same place)', async () => {
    const j = await join('adm', 'device-ffff-0006');
    clock.advance(61 * 60_000);
    const s = await status('adm', j.body.queueToken as string);
    expect(s.status).toBe(401);
    expect(s.body.code).toBe('queue_token_expired');
    expect((await join('adm', 'device-ffff-0006')).body.position).toBe(j.body.position);
  });

  it('closes the room at closesAt: no joins, no admissions, no holds', async () => {
    const closesAt = new Date(clock.now().getTime() + 60_000).toISOString();
    expect((await room('adm-closed', { closesAt })).status).toBe(200);
    const j = await join('adm-closed', 'device-gggg-0007');
    const a = j.body.admissionToken as string;
    expect(a).toBeTruthy();
    clock.advance(61_000); // past closesAt; the admission itself (120 s) has not expired
    const late = await join('adm-closed', 'device-hhhh-0008');
    expect(late.status).toBe(409);
    expect(late.body.code).toBe('waiting_room_closed');
    expect((await status('adm-closed', j.body.queueToken as string)).body.code).toBe('waiting_room_closed');
    expect((await hold('adm-closed', a, 'device-gggg-0007')).body.code).toBe('waiting_room_closed');
  });
});
