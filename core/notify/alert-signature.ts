import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The signature of the notifier's alert and broadcast webhooks (SCENIC_ALERT_WEBHOOKS,
 * SCENIC_BROADCAST_WEBHOOKS targets with a `secret`):
 *
 *     x-scenic-alert-signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 *
 * Its own header, so it cannot be mistaken for the partner request signature
 * (`x-scenic-signature: v1=<base64url>`, core/channels/signature.ts) that partner
 * webhooks carry: the two schemes sign different things with different encodings.
 */
export const ALERT_SIGNATURE_HEADER = 'x-scenic-alert-signature';

/** How far a receiver lets the signed time be from its own clock, by default. */
export const ALERT_SIGNATURE_TOLERANCE_SECONDS = 300;

const hmacHex = (secret: string, t: number, body: string | Uint8Array) =>
  createHmac('sha256', secret).update(`${t}.`).update(body).digest('hex');

/** The header value for `body` signed at `unixSeconds`. */
export function signAlert(secret: string, body: string, unixSeconds: number): string {
  return `t=${unixSeconds},v1=${hmacHex(secret, unixSeconds, body)}`;
}

export type AlertVerdict =
  { ok: true; t: number } | { ok: false; reason: 'malformed' | 'stale' | 'mismatch' };

/**
 * The receiver's side: checks a delivery against the exact bytes received. A receiver
 * should also drop a repeated `x-scenic-delivery` (a retry of one already handled).
 */
export function verifyAlert(o: {
  secret: string;
  header: string | undefined;
  rawBody: string | Uint8Array;
  nowSeconds: number;
  toleranceSeconds?: number;
}): AlertVerdict {
  const m = /^t=(\d{1,12}),v1=([0-9a-f]{64})$/.exec(o.header ?? '');
  if (!m) return { ok: false, reason: 'malformed' };
  const t = Number(m[1]);
  if (Math.abs(o.nowSeconds - t) > (o.toleranceSeconds ?? ALERT_SIGNATURE_TOLERANCE_SECONDS))
    return { ok: false, reason: 'stale' };
  const want = Buffer.from(hmacHex(o.secret, t, o.rawBody), 'hex');
  const got = Buffer.from(m[2]!, 'hex');
  return timingSafeEqual(want, got) ? { ok: true, t } : { ok: false, reason: 'mismatch' };
}
