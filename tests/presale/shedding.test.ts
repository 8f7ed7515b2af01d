import { beforeAll, describe, expect, it } from 'vitest';
import { useApi } from '../support/platform.js';
import { demoArea } from '../../core/catalog/demo.js';
import { addDays, localParts } from '../../core/time.js';

const D = addDays(localParts(new Date(), 'Asia/Shanghai').date, 12);

/**
 * Load shedding (api/overload.ts): while the API's event loop lags past
 * SCENIC_SHED_LAG_MS (40 ms by default), the waiting room's joins and polls get a cheap
 * `429 waiting_room_busy`; admitted buyers' holds and everything else are still served.
 * The lag is injected, so the test decides when the process is "overloaded".
 */
describe('presale: the waiting room sheds while the API is overloaded', () => {
  const lag = { ms: 0 };
  const api = useApi({ app: { rateLimits: false, loopLag: lag } });
  let queueToken: string;
  let admissionToken: string;
  beforeAll(async () => {
    await api.seed(
      demoArea({
        id: 'shed-park',
        slots: [{ id: '0900', startsAt: '09:00', endsAt: '10:00', capacity: 50 }],
        quotas: [],
      }),
    );
    const body = { opensAt: new Date(Date.now() - 1000).toISOString(), ratePerSecond: 1000, burst: 10 };
    expect(
      (await api.call('PUT', '/v1/admin/areas/shed-park/waiting-room', { body, key: api.adminKey })).status,
    ).toBe(200);
    const first = await api.call('POST', '/v1/queue/shed-park/join', { body: { deviceId: 'shed-device-1' } });
    expect(first.status).toBe(200);
    queueToken = first.body.queueToken as string;
    admissionToken = first.body.admissionToken as string;
  });

  const joins = async () => Number((await api.platform.redis.hget('wr:{shed-park}', 'seq')) ?? 0);

  it('answers joins and polls 429 waiting_room_busy with Retry-After, before any work', async () => {
    lag.ms = 100;
    const before = await joins();
    const j = await api.call('POST', '/v1/queue/shed-park/join', { body: { deviceId: 'shed-device-2' } });
    expect(j.status).toBe(429);
    expect(j.headers.get('content-type')).toMatch(/problem\+json/);
    expect(['1', '2']).toContain(j.headers.get('retry-after'));
    expect(j.body).toMatchObject({ code: 'waiting_room_busy', position: null, admitted: false });
    expect(j.body).not.toHaveProperty('queueToken'); // not in line yet: the client joins again
    expect(await joins()).toBe(before); // no work was done: nobody was numbered

    const s = await api.call('GET', '/v1/queue/shed-park/status', {
      headers: { 'x-queue-token': queueToken },
    });
    expect(s.status).toBe(429);
    expect(s.body).toMatchObject({ code: 'waiting_room_busy', position: 1 }); // the place is kept
  });

  it('still serves admitted holds and the rest of the API', async () => {
    lag.ms = 100;
    const h = await api.call('POST', '/v1/presale/holds', {
      headers: { 'x-admission-token': admissionToken, 'x-device-id': 'shed-device-1' },
      body: { areaId: 'shed-park', date: D, slotId: '0900', quantity: 1 },
    });
    expect(h.status).toBe(201);
    expect((await api.call('GET', `/v1/areas/shed-park/availability?date=${D}`)).status).toBe(200);
  });

  it('stops shedding only once the lag is below half the threshold', async () => {
    lag.ms = 30; // under 40, but not under 20: still shedding
    expect(
      (await api.call('POST', '/v1/queue/shed-park/join', { body: { deviceId: 'shed-device-2' } })).body.code,
    ).toBe('waiting_room_busy');
    lag.ms = 5;
    const j = await api.call('POST', '/v1/queue/shed-park/join', { body: { deviceId: 'shed-device-2' } });
    expect(j.status).toBe(200);
    expect(j.body).toMatchObject({ position: 2, admitted: true });
  });

  it('counts what it shed on /metrics', async () => {
    const text = await (await api.metrics()).text();
    expect(text).toMatch(/scenic_waiting_room_shed_total\{route="\/v1\/queue\/:areaId\/join"\} [1-9]/);
    expect(text).toMatch(/scenic_eventloop_lag_seconds 0\.005/);
  });
});
