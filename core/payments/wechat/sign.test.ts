import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decryptResource, encryptResource } from './aead.js';
import {
  authorization,
  checkSignedHeaders,
  parseAuthorization,
  rsaSign,
  rsaVerify,
  signingMessage,
} from './sign.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const other = generateKeyPairSync('rsa', { modulusLength: 2048 });

describe('WECHATPAY2-SHA256-RSA2048', () => {
  it('builds the signing message WeChat documents (every line ended by \\n, an empty body too)', () => {
    // the example of WeChat Pay's signature guide (GET /v3/certificates)
    expect(
      signingMessage('GET', '/v3/certificates', '1554208460', '593BEC0C930BF1AFEB40B4A08C8FB242', ''),
    ).toBe('GET\n/v3/certificates\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n\n');
  });

  it('signs requests deterministically (PKCS#1 v1.5) into the documented Authorization format', () => {
    const a = {
      mchid: '1900009191',
      serialNo: '1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C',
      privateKey,
      method: 'POST',
      pathAndQuery: '/v3/pay/transactions/native',
      body: '{"a":1}',
      timestamp: 1554208460,
      nonceStr: '593BEC0C930BF1AFEB40B4A08C8FB242',
    };
    const h = authorization(a);
    expect(h).toBe(authorization(a));
    const p = parseAuthorization(h)!;
    expect(p).toMatchObject({
      mchid: a.mchid,
      serial_no: a.serialNo,
      timestamp: '1554208460',
      nonce_str: a.nonceStr,
    });
    const message = signingMessage(
      'POST',
      '/v3/pay/transactions/native',
      '1554208460',
      a.nonceStr,
      '{"a":1}',
    );
    expect(rsaVerify(publicKey, message, p.signature)).toBe(true);
    expect(rsaVerify(publicKey, message.replace('{"a":1}', '{"a":2}'), p.signature)).toBe(false);
    expect(rsaVerify(other.publicKey, message, p.signature)).toBe(false);
    expect(rsaVerify(publicKey, message, 'not base64 at all')).toBe(false);
  });

  it.each([
    ['a valid answer', {}, 'ok'],
    ['no signature headers', { signature: undefined }, 'unsigned'],
    ['a serial we do not trust', { serial: 'PUB_KEY_ID_OTHER' }, 'unknown_serial'],
    ['a changed body', { body: '{"x":2}' }, 'bad_signature'],
    [
      'a WeChat probe signature (WECHATPAY/SIGNTEST/…)',
      { signature: 'WECHATPAY/SIGNTEST/abc' },
      'bad_signature',
    ],
    ['a timestamp 6 minutes old', { now: 1_700_000_360_000 + 1000 }, 'stale'],
  ] as const)('answer check: %s → %s', (_n, change, want) => {
    const body = '{"x":1}';
    const ts = '1700000000';
    const signature = rsaSign(privateKey, signingMessage(ts, 'n0nce', body));
    const headers = { timestamp: ts, nonce: 'n0nce', signature, serial: 'PUB_KEY_ID_1', ...change };
    const keys = new Map([['PUB_KEY_ID_1', publicKey]]);
    const now = 'now' in change ? change.now : 1_700_000_010_000;
    const sent = 'body' in change ? change.body : body;
    expect(checkSignedHeaders(headers, Buffer.from(sent), keys, now)).toBe(want);
  });
});

describe('AEAD_AES_256_GCM', () => {
  const key = 'a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb';
  it('round-trips a resource and authenticates key, nonce and associated data', () => {
    const r = encryptResource(key, '{"trade_state":"SUCCESS"}', 'transaction', 'transaction');
    expect(r).toMatchObject({ algorithm: 'AEAD_AES_256_GCM', associated_data: 'transaction' });
    expect(r.nonce).toHaveLength(12);
    expect(decryptResource(key, r.nonce, r.associated_data, r.ciphertext)).toBe('{"trade_state":"SUCCESS"}');
    expect(() => decryptResource(key, r.nonce, 'refund', r.ciphertext)).toThrow();
    expect(() =>
      decryptResource('b7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb', r.nonce, r.associated_data, r.ciphertext),
    ).toThrow();
    const bytes = Buffer.from(r.ciphertext, 'base64');
    bytes[0] = bytes[0]! ^ 1;
    expect(() => decryptResource(key, r.nonce, r.associated_data, bytes.toString('base64'))).toThrow();
  });
  it('refuses an APIv3 key that is not 32 bytes', () => {
    expect(() => encryptResource('short', 'x', '', 'transaction')).toThrow(RangeError);
  });
});
