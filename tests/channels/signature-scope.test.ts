import { beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { signHeaders } from '../../clients/partner-client.js';
import { signWebhook } from '../../core/channels/signature.js';
import { demoArea } from '../../core/catalog/demo.js';
import { useApi } from '../support/platform.js';
import { day, partner } from './support.js';

/**
 * #17.18: partner signatures covered neither the host nor the key id, and webhooks were
 * signed with the partner's own request secret, so a captured webhook was a valid request.
 */
const api = useApi({ app: { rateLimits: false } });
let ota: Awaited<ReturnType<typeof partner>>;
beforeAll(async () => {
  await api.seed(demoArea({ id: 'sig-scope' }));
  ota = await partner(api, { id: 'sig-scope-ota' });
});
const target = () => `/partner/v1/areas/sig-scope/availability?date=${day(1)}`;

describe('17.18 signatures bound to host and key id; webhooks signed apart', () => {
  it('17.18 a request signed for another host is refused; the same for this host passes', async () => {
    const sign = (host: string) =>
      signHeaders({ keyId: ota.cred.keyId, secret: ota.cred.secret, method: 'GET', host, target: target() });
    const elsewhere = await fetch(api.url + target(), { headers: sign('tickets.other.example') });
    expect(elsewhere.status).toBe(401);
    expect(((await elsewhere.json()) as { code: string }).code).toBe('signature_invalid');
    const here = await fetch(api.url + target(), { headers: sign(new URL(api.url).host) });
    expect(here.status).toBe(200);
  });

  it('17.18 a captured webhook replayed to us as a request is refused', async () => {
    expect(ota.cred.webhookSecret).not.toBe(ota.cred.secret);
    const body = '{}';
    const captured = signWebhook({
      keyId: ota.cred.keyId,
      webhookSecret: ota.cred.webhookSecret,
      url: `${api.url}/partner/v1/orders`,
      body,
      nowMs: Date.now(),
      nonce: randomBytes(18).toString('base64url'),
    });
    const res = await fetch(`${api.url}/partner/v1/orders`, {
      method: 'POST',
      headers: {
        ...captured,
        'x-scenic-signature': captured['x-scenic-webhook-signature']!,
        'content-type': 'application/json',
      },
      body,
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { code: string }).code).toBe('signature_invalid');
  });
});
