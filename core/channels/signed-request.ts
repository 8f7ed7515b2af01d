import type { Redis } from '../redis/client.js';
import { DomainError, unauthenticated } from '../errors.js';
import { MAX_SKEW_SECONDS, parseSignatureHeaders, verifySignature } from './signature.js';

/** A request as signed (core/channels/signature.ts): what the HMAC covers. */
export interface SignedRequest {
  method: string;
  /** the Host the request was sent to (the signature covers it) */
  host: string;
  path: string;
  query: string;
  headers: Record<string, string | string[] | undefined>;
  body: Uint8Array;
}

/**
 * The checks every signed caller goes through — partners (`/partner/v1`, `/octo`) and the
 * merchants of an area (`/merchant/v1`, core/spend): headers, key, clock skew, body digest,
 * HMAC, then the nonce, claimed in Redis only after the signature verified so forged
 * requests cannot burn a caller's nonces. One implementation, so the two cannot drift.
 * `secretOf` answers the key's secret, or undefined when the key is unknown, revoked or
 * expired; `noncePrefix` keeps each kind of caller's nonces apart.
 */
export async function verifySignedRequest(
  req: SignedRequest,
  o: {
    redis: Redis;
    nowMs: number;
    noncePrefix: string;
    secretOf: (keyId: string) => Promise<string | undefined>;
  },
): Promise<{ keyId: string }> {
  const parsed = parseSignatureHeaders(req.headers);
  if (!parsed.ok) throw new DomainError('authentication', parsed.reason, parsed.detail);
  const sig = parsed.value;
  const secret = await o.secretOf(sig.keyId);
  if (secret === undefined)
    throw unauthenticated('unknown_key', `key ${sig.keyId} is unknown, revoked or past its rotation overlap`);
  const v = verifySignature(sig, req, secret, o.nowMs);
  if (!v.ok) throw new DomainError('authentication', v.reason, v.detail);
  const fresh = await o.redis.set(
    `${o.noncePrefix}:${sig.keyId}:${sig.nonce}`,
    '1',
    'EX',
    2 * MAX_SKEW_SECONDS + 60,
    'NX',
  );
  if (!fresh)
    throw unauthenticated('nonce_reused', 'this nonce was already used; sign every request with a new nonce');
  return { keyId: sig.keyId };
}
