import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { LEGACY_PII_KEY_ID, singleKey, type PiiKeySet } from './keys.js';

/**
 * Personal data at rest: AES-256-GCM with a random 96-bit nonce per value, stored as
 * `v2.<key id>.<nonce>.<ciphertext+tag>` (base64url; the key id also authenticated as
 * associated data), and a keyed hash (HMAC-SHA256) for exact lookups (ID card at a gate,
 * "my orders" by phone) without decrypting anything. Values sealed before key ids,
 * `v1.<nonce>.<ciphertext+tag>`, are read with the key {@link LEGACY_PII_KEY_ID}
 * (core/pii/keys.ts); `scenic keys reencrypt` moves every value to the current key.
 */
export class PiiVault {
  private readonly keys: PiiKeySet;
  private readonly lookupKey: Buffer;

  /** `keys`: the key set (core/pii/keys.ts), or one base64 key (id {@link LEGACY_PII_KEY_ID}). */
  constructor(keys: PiiKeySet | string, lookupKey: string) {
    this.keys = typeof keys === 'string' ? singleKey(keys) : keys;
    if (!this.keys.keys.has(this.keys.current)) throw new Error('the current PII key id names no key');
    this.lookupKey = Buffer.from(lookupKey, 'utf8');
  }

  /** The id new values are sealed with. */
  get currentKeyId(): string {
    return this.keys.current;
  }

  encrypt(plain: string): string {
    const kid = this.keys.current;
    const nonce = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.keys.keys.get(kid)!, nonce);
    c.setAAD(Buffer.from(kid, 'utf8'));
    const body = Buffer.concat([c.update(plain, 'utf8'), c.final(), c.getAuthTag()]);
    return `v2.${kid}.${nonce.toString('base64url')}.${body.toString('base64url')}`;
  }

  /** The key id a sealed value names (`k0` for an id-less `v1.` value); undefined if not sealed. */
  static keyIdOf(sealed: string): string | undefined {
    const parts = sealed.split('.');
    if (parts[0] === 'v1' && parts.length === 3) return LEGACY_PII_KEY_ID;
    if (parts[0] === 'v2' && parts.length === 4) return parts[1];
    return undefined;
  }

  decrypt(sealed: string): string {
    const parts = sealed.split('.');
    const v2 = parts[0] === 'v2' && parts.length === 4;
    if (!v2 && !(parts[0] === 'v1' && parts.length === 3)) throw new Error('not a sealed value');
    const [kid, n, b] = v2 ? [parts[1]!, parts[2]!, parts[3]!] : [LEGACY_PII_KEY_ID, parts[1]!, parts[2]!];
    const key = this.keys.keys.get(kid);
    if (!key) throw new Error(`sealed with PII key ${kid}, which is not configured`);
    const body = Buffer.from(b, 'base64url');
    const d = createDecipheriv('aes-256-gcm', key, Buffer.from(n, 'base64url'));
    if (v2) d.setAAD(Buffer.from(kid, 'utf8'));
    d.setAuthTag(body.subarray(body.length - 16));
    return Buffer.concat([d.update(body.subarray(0, body.length - 16)), d.final()]).toString('utf8');
  }

  /**
   * A secret derived from `material` for one `purpose` (HMAC with the lookup key): the same
   * material gives the same token again, so it need not be stored (order access tokens of
   * idempotent orders, core/orders/access.ts).
   */
  derive(purpose: string, material: string): string {
    return createHmac('sha256', this.lookupKey)
      .update(`derive:${purpose}:${material}`)
      .digest('base64url')
      .slice(0, 32);
  }
  /** Keyed hash of a normalised identifier; `kind` keeps ID numbers and phones apart. */
  lookupHash(kind: 'id' | 'phone' | 'card' | 'device' | 'address', value: string): string {
    return createHmac('sha256', this.lookupKey)
      .update(`${kind}:${value.trim().toUpperCase()}`)
      .digest('base64url')
      .slice(0, 32);
  }
}
