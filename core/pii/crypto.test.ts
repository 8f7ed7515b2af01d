import { createCipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PiiVault } from './crypto.js';
import { LEGACY_PII_KEY_ID, readPiiKeys } from './keys.js';

const b64 = () => randomBytes(32).toString('base64');

/** A value sealed the way the vault did before key ids: `v1.<nonce>.<ciphertext+tag>`. */
function sealV1(keyBase64: string, plain: string): string {
  const nonce = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', Buffer.from(keyBase64, 'base64'), nonce);
  const body = Buffer.concat([c.update(plain, 'utf8'), c.final(), c.getAuthTag()]);
  return `v1.${nonce.toString('base64url')}.${body.toString('base64url')}`;
}

describe('17.16 PII key ids', () => {
  it('17.16 every ciphertext names the key it was sealed with, and a rotated vault reads both', () => {
    const oldKey = b64();
    const newKey = b64();
    const before = new PiiVault(
      readPiiKeys({ SCENIC_PII_KEYS: `a1:${oldKey}`, SCENIC_PII_KEY_ID: 'a1' }),
      'x',
    );
    const sealed = before.encrypt('110101199003071234');
    expect(PiiVault.keyIdOf(sealed)).toBe('a1');
    expect(sealed.split('.')[1]).toBe('a1');
    const after = new PiiVault(
      readPiiKeys({ SCENIC_PII_KEYS: `a1:${oldKey},b2:${newKey}`, SCENIC_PII_KEY_ID: 'b2' }),
      'x',
    );
    expect(after.decrypt(sealed)).toBe('110101199003071234');
    expect(PiiVault.keyIdOf(after.encrypt('张三'))).toBe('b2');
    // the key id is authenticated: relabelling a value to another key fails
    expect(() => after.decrypt(sealed.replace('.a1.', '.b2.'))).toThrow();
    // a vault without the old key says which key is missing
    const only = new PiiVault(readPiiKeys({ SCENIC_PII_KEYS: `b2:${newKey}`, SCENIC_PII_KEY_ID: 'b2' }), 'x');
    expect(() => only.decrypt(sealed)).toThrow(/a1/);
  });

  it('17.16 id-less values of before key ids are read with SCENIC_PII_KEY (k0)', () => {
    const legacy = b64();
    const old = sealV1(legacy, '13800138000');
    const v = new PiiVault(
      readPiiKeys({ SCENIC_PII_KEY: legacy, SCENIC_PII_KEYS: `b2:${b64()}`, SCENIC_PII_KEY_ID: 'b2' }),
      'x',
    );
    expect(PiiVault.keyIdOf(old)).toBe(LEGACY_PII_KEY_ID);
    expect(v.decrypt(old)).toBe('13800138000');
    expect(new PiiVault(legacy, 'x').decrypt(old)).toBe('13800138000');
  });

  it('17.16 PII key settings have no default and are checked at start', () => {
    const codeOf = (env: Record<string, string>) => {
      try {
        readPiiKeys(env);
        return 'ok';
      } catch (e) {
        return (e as { code: string; details?: { fields?: { path: string }[] } }).details?.fields?.[0]?.path;
      }
    };
    expect(codeOf({})).toBe('SCENIC_PII_KEYS');
    expect(codeOf({ SCENIC_PII_KEYS: `a1:${b64()}` })).toBe('SCENIC_PII_KEY_ID');
    expect(codeOf({ SCENIC_PII_KEYS: `a1:${b64()}`, SCENIC_PII_KEY_ID: 'zz' })).toBe('SCENIC_PII_KEY_ID');
    expect(codeOf({ SCENIC_PII_KEYS: 'a1:short', SCENIC_PII_KEY_ID: 'a1' })).toBe('SCENIC_PII_KEYS');
    expect(codeOf({ SCENIC_PII_KEYS: `a1:${b64()},a1:${b64()}`, SCENIC_PII_KEY_ID: 'a1' })).toBe(
      'SCENIC_PII_KEYS',
    );
    expect(codeOf({ SCENIC_PII_KEY: b64() })).toBe('ok');
  });
});
