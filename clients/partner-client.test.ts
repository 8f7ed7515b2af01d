import { describe, expect, it } from 'vitest';
import { signHeaders, verifyWebhook } from './partner-client.js';
import {
  parseSignatureHeaders,
  signWebhook,
  splitTarget,
  verifySignature,
} from '../core/channels/signature.js';

/** The client is standalone (partners copy it); this keeps it identical to the server's scheme. */
describe('partner client signing agrees with the server', () => {
  const secret = 's3cret-s3cret-s3cret-s3cret';
  const now = Date.parse('2026-05-01T00:00:00Z');

  it.each([
    [
      'GET with a query',
      'GET',
      '/partner/v1/areas/west-lake/availability?date=2026-05-01&x=%E4%B8%AD',
      undefined,
    ],
    ['POST with a unicode body', 'POST', '/partner/v1/orders', JSON.stringify({ name: '张三', n: 1 })],
    ['POST without a body', 'POST', '/partner/v1/orders/abc/confirm', undefined],
  ])('%s', (_n, method, target, body) => {
    const h = signHeaders({
      keyId: 'pk_abcdefgh',
      secret,
      method,
      host: 'api.example:8443',
      target,
      body,
      nowMs: now,
    });
    const parsed = parseSignatureHeaders(h);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const { path, query } = splitTarget(target);
    expect(
      verifySignature(
        parsed.value,
        { method, host: 'api.example:8443', path, query, body: Buffer.from(body ?? '') },
        secret,
        now,
      ),
    ).toEqual({ ok: true });
  });

  it('verifies a webhook signed by the server and refuses a modified one', () => {
    const body = JSON.stringify({ id: 'evt_1', type: 'order.issued' });
    const url = 'https://partner.example/hooks/scenic?tenant=7';
    const webhookSecret = secret;
    const headers = signWebhook({
      keyId: 'pk_abcdefgh',
      webhookSecret,
      url,
      body,
      nowMs: now,
      nonce: 'n0nce-n0nce-n0nce-1',
    });
    expect(verifyWebhook({ webhookSecret, url, headers, rawBody: body, nowMs: now })).toBe(true);
    expect(
      verifyWebhook({ webhookSecret, url, headers, rawBody: body.replace('issued', 'refunded'), nowMs: now }),
    ).toBe(false);
    expect(verifyWebhook({ webhookSecret, url, headers, rawBody: body, nowMs: now + 301_000 })).toBe(false);
    expect(
      verifyWebhook({
        webhookSecret,
        url: 'https://elsewhere.example/hooks/scenic?tenant=7',
        headers,
        rawBody: body,
        nowMs: now,
      }),
    ).toBe(false);
  });
});
