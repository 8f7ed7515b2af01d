import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The partner request signature (`SCENIC-HMAC-SHA256`, version 2): partners sign their calls
 * to `/partner/v1` and `/octo` with it. Pure: no I/O, the clock is a parameter.
 *
 * String to sign (lines joined by "\n"):
 *
 *     SCENIC-HMAC-SHA256
 *     <METHOD, upper case>
 *     <host, lower case, as sent in Host (with the port when it is not the default)>
 *     <path, as sent, percent-encoded, without the query>
 *     <canonical query: pairs sorted by name then value, RFC 3986-encoded, name=value joined by &>
 *     <timestamp: Unix seconds, as sent in X-Scenic-Timestamp>
 *     <nonce, as sent in X-Scenic-Nonce>
 *     <key id, as sent in X-Scenic-Key>
 *     <lower-case hex SHA-256 of the raw body bytes (of the empty string when there is none)>
 *
 * Signature: `v2=` + base64url without padding (RFC 4648 §5; 43 characters) of
 * HMAC-SHA256(secret, stringToSign). Headers: X-Scenic-Key,
 * X-Scenic-Timestamp, X-Scenic-Nonce, X-Scenic-Signature, and (recommended) X-Scenic-Content-SHA256
 * with the body hash, so a body altered in transit is named as such.
 *
 * Host and key id are covered (issue 17 item 18): a request captured on its way to one host
 * cannot be replayed to another, nor offered under another key id. Version 1 (without them)
 * is refused with no transition: the only partner client is `clients/partner-client.ts`,
 * which ships with this change (docs/security.md).
 *
 * Scenic's webhooks to partners are signed apart ({@link signWebhook}): their own algorithm
 * line and header, with the webhook secret of the partner's key — never the secret the
 * partner signs with — so a captured webhook is no request to us.
 */
export const SIGNATURE_ALGORITHM = 'SCENIC-HMAC-SHA256';
export const MAX_SKEW_SECONDS = 300;
export const WEBHOOK_ALGORITHM = 'SCENIC-WEBHOOK-HMAC-SHA256';
export const WEBHOOK_SIGNATURE_HEADER = 'x-scenic-webhook-signature';
export const SIGNATURE_HEADERS = {
  key: 'x-scenic-key',
  timestamp: 'x-scenic-timestamp',
  nonce: 'x-scenic-nonce',
  signature: 'x-scenic-signature',
  contentSha256: 'x-scenic-content-sha256',
} as const;

const NONCE = /^[A-Za-z0-9_-]{16,64}$/;
const TIMESTAMP = /^\d{1,12}$/;

export const sha256Hex = (body: Uint8Array | string) => createHash('sha256').update(body).digest('hex');

const rfc3986 = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** `a=1&b=2` from a raw query string (with or without "?"): decoded, sorted, re-encoded. */
export function canonicalQuery(rawQuery: string): string {
  const q = rawQuery.startsWith('?') ? rawQuery.slice(1) : rawQuery;
  if (!q) return '';
  const pairs = q
    .split('&')
    .filter(Boolean)
    .map((kv): [string, string] => {
      const i = kv.indexOf('=');
      // a malformed escape (`%zz`) stays as written: signer and verifier still agree, and a
      // bad query is a signature mismatch, not a crash
      const dec = (s: string) => {
        try {
          return decodeURIComponent(s.replace(/\+/g, ' '));
        } catch {
          return s;
        }
      };
      return i < 0 ? [dec(kv), ''] : [dec(kv.slice(0, i)), dec(kv.slice(i + 1))];
    });
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`).join('&');
}

export interface SignedParts {
  method: string;
  host: string;
  keyId: string;
  path: string;
  query: string;
  timestamp: string;
  nonce: string;
  bodySha256: string;
}

export function stringToSign(p: SignedParts, algorithm = SIGNATURE_ALGORITHM): string {
  return [
    algorithm,
    p.method.toUpperCase(),
    p.host.toLowerCase(),
    p.path,
    canonicalQuery(p.query),
    p.timestamp,
    p.nonce,
    p.keyId,
    p.bodySha256,
  ].join('\n');
}

export function computeSignature(secret: string, p: SignedParts, algorithm = SIGNATURE_ALGORITHM): string {
  return `v2=${createHmac('sha256', secret).update(stringToSign(p, algorithm)).digest('base64url')}`;
}

/** Splits a request target `/p/a?x=1` into path and raw query. */
export function splitTarget(target: string): { path: string; query: string } {
  const i = target.indexOf('?');
  return i < 0 ? { path: target, query: '' } : { path: target.slice(0, i), query: target.slice(i + 1) };
}

/** The headers that sign one request to `host` (as the Host header will carry it). */
export function signRequest(o: {
  keyId: string;
  secret: string;
  method: string;
  host: string;
  target: string;
  body?: Uint8Array | string;
  nowMs: number;
  nonce: string;
}): Record<string, string> {
  const { path, query } = splitTarget(o.target);
  const timestamp = String(Math.floor(o.nowMs / 1000));
  const bodySha256 = sha256Hex(o.body ?? '');
  return {
    [SIGNATURE_HEADERS.key]: o.keyId,
    [SIGNATURE_HEADERS.timestamp]: timestamp,
    [SIGNATURE_HEADERS.nonce]: o.nonce,
    [SIGNATURE_HEADERS.contentSha256]: bodySha256,
    [SIGNATURE_HEADERS.signature]: computeSignature(o.secret, {
      method: o.method,
      host: o.host,
      keyId: o.keyId,
      path,
      query,
      timestamp,
      nonce: o.nonce,
      bodySha256,
    }),
  };
}

/**
 * The headers of one webhook Scenic posts to `url`, signed with the webhook secret of the
 * partner's key `keyId`: the request scheme's lines under {@link WEBHOOK_ALGORITHM}, in
 * {@link WEBHOOK_SIGNATURE_HEADER}. No `X-Scenic-Signature`: it is not a request signature.
 */
export function signWebhook(o: {
  keyId: string;
  webhookSecret: string;
  url: string;
  body: string;
  nowMs: number;
  nonce: string;
}): Record<string, string> {
  const u = new URL(o.url);
  const timestamp = String(Math.floor(o.nowMs / 1000));
  const bodySha256 = sha256Hex(o.body);
  const parts = {
    method: 'POST',
    host: u.host,
    keyId: o.keyId,
    path: u.pathname,
    query: u.search,
    timestamp,
    nonce: o.nonce,
    bodySha256,
  };
  return {
    [SIGNATURE_HEADERS.key]: o.keyId,
    [SIGNATURE_HEADERS.timestamp]: timestamp,
    [SIGNATURE_HEADERS.nonce]: o.nonce,
    [SIGNATURE_HEADERS.contentSha256]: bodySha256,
    [WEBHOOK_SIGNATURE_HEADER]: computeSignature(o.webhookSecret, parts, WEBHOOK_ALGORITHM),
  };
}

/** Why a signed request is refused; each is a stable problem `code`. */
export type SignatureRefusal =
  | 'signature_missing'
  | 'signature_malformed'
  | 'timestamp_skew'
  | 'body_digest_mismatch'
  | 'signature_invalid';

export interface ParsedSignature {
  keyId: string;
  timestamp: string;
  nonce: string;
  signature: string;
  contentSha256: string | undefined;
}

type HeaderBag = Record<string, string | string[] | undefined>;
const one = (h: HeaderBag, name: string) => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

/** Reads the signature headers; says which part is missing or malformed. */
export function parseSignatureHeaders(
  h: HeaderBag,
): { ok: true; value: ParsedSignature } | { ok: false; reason: SignatureRefusal; detail: string } {
  const keyId = one(h, SIGNATURE_HEADERS.key);
  const timestamp = one(h, SIGNATURE_HEADERS.timestamp);
  const nonce = one(h, SIGNATURE_HEADERS.nonce);
  const signature = one(h, SIGNATURE_HEADERS.signature);
  const missing = [
    [SIGNATURE_HEADERS.key, keyId],
    [SIGNATURE_HEADERS.timestamp, timestamp],
    [SIGNATURE_HEADERS.nonce, nonce],
    [SIGNATURE_HEADERS.signature, signature],
  ].filter(([, v]) => !v);
  if (missing.length)
    return {
      ok: false,
      reason: 'signature_missing',
      detail: `missing ${missing.map(([n]) => n).join(', ')}`,
    };
  if (!TIMESTAMP.test(timestamp!))
    return {
      ok: false,
      reason: 'signature_malformed',
      detail: `${SIGNATURE_HEADERS.timestamp} must be Unix seconds`,
    };
  if (!NONCE.test(nonce!))
    return {
      ok: false,
      reason: 'signature_malformed',
      detail: `${SIGNATURE_HEADERS.nonce} must be 16-64 characters of [A-Za-z0-9_-]`,
    };
  if (signature!.startsWith('v1='))
    return {
      ok: false,
      reason: 'signature_malformed',
      detail: 'v1 signatures (without host and key id) are no longer accepted; sign with v2',
    };
  if (!/^v2=[A-Za-z0-9_-]{43}$/.test(signature!))
    return {
      ok: false,
      reason: 'signature_malformed',
      detail: `${SIGNATURE_HEADERS.signature} must be v2=<base64url HMAC-SHA256>`,
    };
  return {
    ok: true,
    value: {
      keyId: keyId!,
      timestamp: timestamp!,
      nonce: nonce!,
      signature: signature!,
      contentSha256: one(h, SIGNATURE_HEADERS.contentSha256)?.toLowerCase(),
    },
  };
}

/**
 * Checks a parsed signature against the request and the candidate secrets of its key
 * (more than one during a rotation overlap is not needed: each key id has one secret).
 * The nonce's freshness is the caller's (it needs shared state).
 */
export function verifySignature(
  sig: ParsedSignature,
  req: { method: string; host: string; path: string; query: string; body: Uint8Array },
  secret: string,
  nowMs: number,
  maxSkewSeconds = MAX_SKEW_SECONDS,
): { ok: true } | { ok: false; reason: SignatureRefusal; detail: string } {
  const skew = Math.abs(Math.floor(nowMs / 1000) - Number(sig.timestamp));
  if (skew > maxSkewSeconds)
    return {
      ok: false,
      reason: 'timestamp_skew',
      detail: `timestamp is ${skew} s away from server time (allowed ±${maxSkewSeconds} s)`,
    };
  const bodySha256 = sha256Hex(req.body);
  if (sig.contentSha256 !== undefined && sig.contentSha256 !== bodySha256) {
    return {
      ok: false,
      reason: 'body_digest_mismatch',
      detail: 'the body does not match X-Scenic-Content-SHA256; it was altered after signing',
    };
  }
  const want = Buffer.from(
    computeSignature(secret, {
      method: req.method,
      host: req.host,
      keyId: sig.keyId,
      path: req.path,
      query: req.query,
      timestamp: sig.timestamp,
      nonce: sig.nonce,
      bodySha256,
    }),
  );
  const got = Buffer.from(sig.signature);
  if (want.length !== got.length || !timingSafeEqual(want, got))
    return {
      ok: false,
      reason: 'signature_invalid',
      detail:
        'the signature does not match the request; check the string to sign (host, key id) and the secret',
    };
  return { ok: true };
}
