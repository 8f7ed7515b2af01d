import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signRequest, SIGNATURE_HEADERS } from '../channels/signature.js';
import { ALERT_SIGNATURE_HEADER, signAlert, verifyAlert } from './alert-signature.js';

const secret = 'alert-secret-0123456789';
const body = JSON.stringify({ type: 'capacity-level', areaId: 'west-lake', level: 'orange' });
const now = 1_780_000_000;

describe('alert webhook signature, receiver side', () => {
  it('is HMAC-SHA256 over "<t>.<body>" in hex, and verifies', () => {
    const header = signAlert(secret, body, now);
    const hex = createHmac('sha256', secret).update(`${now}.${body}`).digest('hex');
    expect(header).toBe(`t=${now},v1=${hex}`);
    expect(verifyAlert({ secret, header, rawBody: Buffer.from(body), nowSeconds: now + 10 })).toEqual({
      ok: true,
      t: now,
    });
  });

  it.each([
    ['a changed body', { rawBody: body.replace('orange', 'green') }, 'mismatch'],
    ['another secret', { secret: 'another-secret-0123456789' }, 'mismatch'],
    ['an old delivery', { nowSeconds: now + 301 }, 'stale'],
    ['a delivery from the future', { nowSeconds: now - 301 }, 'stale'],
    ['no header', { header: undefined }, 'malformed'],
    ['a base64url value', { header: `t=${now},v1=${'A'.repeat(43)}` }, 'malformed'],
  ])('refuses %s', (_, change, reason) => {
    const o = { secret, header: signAlert(secret, body, now), rawBody: body, nowSeconds: now, ...change };
    expect(verifyAlert(o)).toEqual({ ok: false, reason });
  });

  it('has its own header, apart from the partner signature that partner webhooks carry', () => {
    expect(ALERT_SIGNATURE_HEADER).not.toBe(SIGNATURE_HEADERS.signature);
    const partner = signRequest({
      keyId: 'pk_1',
      secret,
      method: 'POST',
      host: 'partner.example',
      target: '/hooks',
      body,
      nowMs: now * 1000,
      nonce: 'n0123456789abcdef',
    });
    expect(Object.keys(partner)).not.toContain(ALERT_SIGNATURE_HEADER);
    // a partner signature offered as an alert signature does not verify
    const header = partner[SIGNATURE_HEADERS.signature];
    expect(verifyAlert({ secret, header, rawBody: body, nowSeconds: now }).ok).toBe(false);
  });
});
