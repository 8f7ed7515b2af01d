import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isDomainError } from '../errors.js';
import { readPaymentSettings } from './settings.js';

const pem = (k: { export(o: object): string | Buffer }, type: 'pkcs8' | 'spki') =>
  k.export({ type, format: 'pem' }).toString();
const a = generateKeyPairSync('rsa', { modulusLength: 2048 });
const wechat = {
  SCENIC_PAYMENT_PROVIDERS: 'wechat',
  SCENIC_WECHAT_MCHID: '1900000109',
  SCENIC_WECHAT_APPID: 'wxd678efh567hg6787',
  SCENIC_WECHAT_MERCHANT_SERIAL: '1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C',
  SCENIC_WECHAT_MERCHANT_PRIVATE_KEY: pem(a.privateKey, 'pkcs8'),
  SCENIC_WECHAT_APIV3_KEY: 'a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb',
  SCENIC_WECHAT_PLATFORM_PUBLIC_KEY: pem(a.publicKey, 'spki'),
  SCENIC_WECHAT_PLATFORM_PUBLIC_KEY_ID: 'PUB_KEY_ID_0119000001092024000000000000001',
};
const refusal = (env: NodeJS.ProcessEnv) => {
  try {
    readPaymentSettings(env);
  } catch (e) {
    if (!isDomainError(e)) throw e;
    return { code: e.code, fields: (e.details?.fields ?? []).map((f) => f.path) };
  }
  return undefined;
};

/** Issue 15: no fake outside the demo and the tests, and the refusal names the variable. */
describe('payment settings: fakes only when the demo or the tests say so', () => {
  it("the providers' own https hosts need no flag and are no fake", () => {
    expect(readPaymentSettings(wechat)).toMatchObject({ providers: ['wechat'], fake: false });
  });

  it.each(['http://127.0.0.1:8099', 'https://pay.example.com', 'http://api.mch.weixin.qq.com'])(
    'a provider pointed at %s without SCENIC_ALLOW_FAKE_GATEWAY=1 stops, naming the variable',
    (url) => {
      expect(refusal({ ...wechat, SCENIC_WECHAT_BASE_URL: url })).toEqual({
        code: 'invalid_config',
        fields: ['SCENIC_ALLOW_FAKE_GATEWAY'],
      });
      expect(
        refusal({ ...wechat, SCENIC_WECHAT_BASE_URL: url, SCENIC_ALLOW_FAKE_GATEWAY: '0' })?.fields,
      ).toEqual(['SCENIC_ALLOW_FAKE_GATEWAY']);
    },
  );

  it('the demo and the tests say so explicitly, and the settings remember it is a fake', () => {
    expect(
      readPaymentSettings({
        ...wechat,
        SCENIC_WECHAT_BASE_URL: 'http://127.0.0.1:8099',
        SCENIC_ALLOW_FAKE_GATEWAY: '1',
      }),
    ).toMatchObject({ fake: true });
  });

  it('the old fake gateway is gone: naming it is refused, and no provider means no online payment', () => {
    expect(refusal({ SCENIC_PAYMENT_PROVIDERS: 'fake' })?.code).toBe('invalid_config');
    expect(readPaymentSettings({})).toMatchObject({ providers: [], fake: false });
  });
});
