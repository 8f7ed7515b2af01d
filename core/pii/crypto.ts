import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

/**
 * Personal data at rest: AES-256-GCM with a random 96-bit nonce per value, stored as
 * `v1.<nonce>.<ciphertext+tag>` (base64url), and a keyed hash (HMAC-SHA256) for exact
 * lookups (ID card at a gate, "my orders" by phone) without decrypting anything.
 */
export class PiiVault {
  private readonly key: Buffer;
  private readonly lookupKey: Buffer;

  constructor(keyBase64: string, lookupKey: string) {
    this.key = Buffer.from(keyBase64, 'base64');
    if (this.key.length !== 32) throw new Error('PII key must be 32 bytes');
    this.lookupKey = Buffer.from(lookupKey, 'utf8');
  }

  encrypt(plain: string): string {
    const nonce = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.key, nonce);
    const body = Buffer.concat([c.update(plain, 'utf8'), c.final(), c.getAuthTag()]);
    return `v1.${nonce.toString('base64url')}.${body.toString('base64url')}`;
  }

  decrypt(sealed: string): string {
    const [v, n, b] = sealed.split('.');
    if (v !== 'v1' || !n || !b) throw new Error('not a sealed value');
    const body = Buffer.from(b, 'base64url');
    const d = createDecipheriv('aes-256-gcm', this.key, Buffer.from(n, 'base64url'));
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
