import { beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { useApi, residentId } from '../support/platform.js';
import { demoArea } from '../../core/catalog/demo.js';
import { day, partner, type Body } from './support.js';

/**
 * SCENIC_API_ROUTES=partner: the API process of the operator's `partnerApi` Deployment,
 * which serves OTAs apart from the public surge. Partner doors work; nothing else is there.
 */
describe('a partner-only API process', () => {
  const api = useApi({ app: { routes: 'partner' } });
  let ota: Awaited<ReturnType<typeof partner>>;
  beforeAll(async () => {
    await api.seed(demoArea({ id: 'surface-park' }));
    ota = await partner(api, { id: 'surface-ota' });
  });

  it('reserves and confirms through OCTO and the partner API', async () => {
    const uuid = randomUUID();
    const held = await ota.client.request<Body>('POST', '/octo/bookings', {
      uuid,
      productId: 'surface-park',
      optionId: 'DEFAULT',
      availabilityId: `${day(5)}T09:00:00+08:00`,
      unitItems: [
        {
          unitId: 'adult',
          contact: { fullName: '周九' },
          identityDocument: { number: residentId('19850505', 77) },
        },
      ],
    });
    expect(held).toMatchObject({ uuid, status: 'ON_HOLD' });
    expect(await ota.client.request<Body>('POST', `/octo/bookings/${uuid}/confirm`, {})).toMatchObject({
      status: 'CONFIRMED',
    });
    expect((await ota.client.order(uuid)).status).toBe('issued');
  });

  it('serves health, metrics and the API description', async () => {
    for (const path of ['/healthz', '/readyz', '/v1/openapi.json'])
      expect((await fetch(`${api.url}${path}`)).status, path).toBe(200);
    expect((await api.metrics()).status).toBe(200);
  });

  it('answers 404 problem+json for every public, staff and presale route', async () => {
    const tries: [string, string][] = [
      ['GET', '/v1/areas'],
      ['POST', '/v1/orders'],
      ['POST', '/v1/queue/surface-park/join'],
      ['POST', '/v1/presale/holds'],
      ['GET', '/v1/admin/partners/surface-ota/settlements/2026-01-01'],
      ['POST', '/gate/v1/sync'],
      ['GET', '/'],
    ];
    for (const [method, path] of tries) {
      const r = await fetch(`${api.url}${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: method === 'POST' ? '{}' : undefined,
      });
      expect(r.status, `${method} ${path}`).toBe(404);
      expect(r.headers.get('content-type'), path).toMatch(/problem\+json/);
    }
  });
});
