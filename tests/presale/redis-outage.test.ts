import { beforeAll, describe, expect, it } from 'vitest';
import { useApi } from '../support/platform.js';
import { demoArea } from '../../core/catalog/demo.js';
import { addDays, localParts } from '../../core/time.js';

const D = addDays(localParts(new Date(), 'Asia/Shanghai').date, 12);

/**
 * The presale's fast lanes (api/presale.ts) answer a Redis outage the way express's routes
 * do (problemAnswer): `503 redis_unavailable`, safe to retry — never a 500 logged as our
 * bug, which a buyer's client would not retry in the middle of a failover.
 */
describe('presale: a Redis outage is a 503 the buyer retries', () => {
  const api = useApi({ app: { rateLimits: false } });
  let admissionToken: string;
  let queueToken: string;
  beforeAll(async () => {
    await api.seed(
      demoArea({
        id: 'outage-park',
        slots: [{ id: '0900', startsAt: '09:00', endsAt: '10:00', capacity: 50 }],
        quotas: [],
      }),
    );
    const body = { opensAt: new Date(Date.now() - 1000).toISOString(), ratePerSecond: 1000, burst: 10 };
    expect(
      (await api.call('PUT', '/v1/admin/areas/outage-park/waiting-room', { body, key: api.adminKey })).status,
    ).toBe(200);
    const first = await api.call('POST', '/v1/queue/outage-park/join', {
      body: { deviceId: 'outage-device' },
    });
    expect(first.status).toBe(200);
    admissionToken = first.body.admissionToken as string;
    queueToken = first.body.queueToken as string;
  });

  const hold = () =>
    api.call('POST', '/v1/presale/holds', {
      headers: { 'x-admission-token': admissionToken, 'x-device-id': 'outage-device' },
      body: { areaId: 'outage-park', date: D, slotId: '0900', quantity: 1 },
    });

  it('answers holds and waiting-room polls 503 redis_unavailable while Redis is gone, and sells once it is back', async () => {
    api.platform.redis.disconnect(); // every command now fails: "Connection is closed."
    try {
      const h = await hold();
      expect(h.status).toBe(503);
      expect(h.headers.get('content-type')).toMatch(/problem\+json/);
      expect(h.body).toMatchObject({ code: 'redis_unavailable', status: 503 });
      const s = await api.call('GET', '/v1/queue/outage-park/status', {
        headers: { 'x-queue-token': queueToken },
      });
      expect(s.status).toBe(503);
      expect(s.body).toMatchObject({ code: 'redis_unavailable' });
    } finally {
      await api.platform.redis.connect();
    }
    const again = await hold();
    expect(again.status).toBe(201);
  });
});
