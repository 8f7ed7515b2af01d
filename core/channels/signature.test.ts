import { describe, expect, it } from 'vitest';
import {
  canonicalQuery,
  computeSignature,
  parseSignatureHeaders,
  sha256Hex,
  signRequest,
  signWebhook,
  WEBHOOK_SIGNATURE_HEADER,
  splitTarget,
  stringToSign,
  verifySignature,
} from './signature.js';

const SECRET = 'test-secret-test-secret-test-secret';
const NOW = Date.parse('2026-05-01T08:00:00Z');
const NONCE = 'nonce-0123456789abcdef';
const HOST = 'tickets.example';

function signed(
  over: { method?: string; target?: string; body?: string; nowMs?: number; secret?: string } = {},
) {
  const target = over.target ?? '/partner/v1/orders?b=2&a=1';
  const body = over.body ?? '{"x":1}';
  const headers = signRequest({
    keyId: 'pk_abc12345',
    secret: over.secret ?? SECRET,
    method: over.method ?? 'POST',
    host: HOST,
    target,
    body,
    nowMs: over.nowMs ?? NOW,
    nonce: NONCE,
  });
  return { headers, target, body };
}

function check(
  headers: Record<string, string>,
  req: { method?: string; host?: string; target?: string; body?: string },
  nowMs = NOW,
) {
  const parsed = parseSignatureHeaders(headers);
  if (!parsed.ok) return parsed;
  const { path, query } = splitTarget(req.target ?? '/partner/v1/orders?b=2&a=1');
  return verifySignature(
    parsed.value,
    {
      method: req.method ?? 'POST',
      host: req.host ?? HOST,
      path,
      query,
      body: Buffer.from(req.body ?? '{"x":1}'),
    },
    SECRET,
    nowMs,
  );
}

describe('partner request signature', () => {
  it('builds the documented string to sign', () => {
    expect(
      stringToSign({
        method: 'get',
        host: 'Tickets.Example:8443',
        keyId: 'pk_abc12345',
        path: '/partner/v1/areas/a/availability',
        query: 'date=2026-05-01',
        timestamp: '1777622400',
        nonce: NONCE,
        bodySha256: sha256Hex(''),
      }),
    ).toBe(
      [
        'SCENIC-HMAC-SHA256',
        'GET',
        'tickets.example:8443',
        '/partner/v1/areas/a/availability',
        'date=2026-05-01',
        '1777622400',
        NONCE,
        'pk_abc12345',
        'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      ].join('\n'),
    );
  });

  it.each([
    ['sorts by name then value', 'b=2&a=1&a=0', 'a=0&a=1&b=2'],
    ['re-encodes RFC 3986', 'q=a+b&r=%7E&s=it%27s', 'q=a%20b&r=~&s=it%27s'],
    ['keeps empty values', 'flag&x=', 'flag=&x='],
    ['accepts a leading ?', '?z=1', 'z=1'],
    ['empty', '', ''],
    ['keeps a malformed escape as written (no throw)', 'a=%zz&b=%', 'a=%25zz&b=%25'],
  ])('canonical query %s', (_n, raw, want) => {
    expect(canonicalQuery(raw)).toBe(want);
  });

  it('verifies its own signature, whatever the order of query parameters', () => {
    const s = signed();
    expect(check(s.headers, { target: '/partner/v1/orders?a=1&b=2' })).toEqual({ ok: true });
  });

  it.each([
    ['another method', { method: 'PUT' }, 'signature_invalid'],
    ['another path', { target: '/partner/v1/orderz?b=2&a=1' }, 'signature_invalid'],
    ['another query', { target: '/partner/v1/orders?b=3&a=1' }, 'signature_invalid'],
    ['a tampered body', { body: '{"x":2}' }, 'body_digest_mismatch'],
  ])('refuses %s', (_n, req, code) => {
    expect(check(signed().headers, req)).toMatchObject({ ok: false, reason: code });
  });

  it('refuses a tampered body even without the digest header', () => {
    const { 'x-scenic-content-sha256': _d, ...headers } = signed().headers;
    expect(check(headers, { body: '{"x":2}' })).toMatchObject({ ok: false, reason: 'signature_invalid' });
  });

  it.each([
    ['300 s early is fine', -300, true],
    ['300 s late is fine', 300, true],
    ['301 s early is refused', -301, false],
    ['an hour late is refused', 3600, false],
  ])('clock skew: %s', (_n, skewS, ok) => {
    const r = check(signed({ nowMs: NOW + skewS * 1000 }).headers, {});
    expect(r.ok).toBe(ok);
    if (!ok) expect(r).toMatchObject({ reason: 'timestamp_skew' });
  });

  it('refuses another secret', () => {
    expect(check(signed({ secret: 'another-secret-another-secret' }).headers, {})).toMatchObject({
      ok: false,
      reason: 'signature_invalid',
    });
  });

  it.each([
    ['no headers', {}, 'signature_missing'],
    ['a bad timestamp', { 'x-scenic-timestamp': 'yesterday' }, 'signature_malformed'],
    ['a short nonce', { 'x-scenic-nonce': 'abc' }, 'signature_malformed'],
    ['a bad signature format', { 'x-scenic-signature': 'sha256=abc' }, 'signature_malformed'],
    ['a padded signature', { 'x-scenic-signature': `v2=${'A'.repeat(43)}=` }, 'signature_malformed'],
    ['standard base64', { 'x-scenic-signature': `v2=${'A'.repeat(42)}+` }, 'signature_malformed'],
    ['the retired v1 form', { 'x-scenic-signature': `v1=${'A'.repeat(43)}` }, 'signature_malformed'],
  ])('parses headers: %s', (_n, over, code) => {
    const base = Object.keys(over).length ? signed().headers : {};
    expect(parseSignatureHeaders({ ...base, ...over })).toMatchObject({ ok: false, reason: code });
  });

  it('signature format is v2= and 43 base64url characters', () => {
    expect(
      computeSignature(SECRET, {
        method: 'GET',
        host: HOST,
        keyId: 'pk_abc12345',
        path: '/',
        query: '',
        timestamp: '1',
        nonce: NONCE,
        bodySha256: sha256Hex(''),
      }),
    ).toMatch(/^v2=[A-Za-z0-9_-]{43}$/);
  });

  it('17.18 a signature replayed to another host fails', () => {
    expect(check(signed().headers, { host: 'other.example' })).toMatchObject({
      ok: false,
      reason: 'signature_invalid',
    });
    expect(check(signed().headers, { host: 'tickets.example:8080' })).toMatchObject({ ok: false });
    expect(check(signed().headers, { host: 'TICKETS.example' })).toEqual({ ok: true });
  });

  it('17.18 a signature offered under another key id fails, with the same secret', () => {
    const { headers } = signed();
    expect(check({ ...headers, 'x-scenic-key': 'pk_other999' }, {})).toMatchObject({
      ok: false,
      reason: 'signature_invalid',
    });
  });

  it('17.18 a webhook signature is no request signature, even under the same secret', () => {
    const body = '{"x":1}';
    const wh = signWebhook({
      keyId: 'pk_abc12345',
      webhookSecret: SECRET,
      url: `https://${HOST}/partner/v1/orders?b=2&a=1`,
      body,
      nowMs: NOW,
      nonce: NONCE,
    });
    expect(wh['x-scenic-signature']).toBeUndefined();
    // moved into the request header, it still does not verify as a request
    expect(check({ ...wh, 'x-scenic-signature': wh[WEBHOOK_SIGNATURE_HEADER]! }, { body })).toMatchObject({
      ok: false,
      reason: 'signature_invalid',
    });
  });
});
