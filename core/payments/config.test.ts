import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { systemClock } from '../clock.js';
import { loadPaymentProviders, paymentProvidersReady } from './config.js';

// counts every load of Alipay's SDK (~0.6 s of CPU) in this file's module graph
const sdkLoads = vi.hoisted(() => ({ n: 0 }));
vi.mock('alipay-sdk', async (original) => {
  sdkLoads.n++;
  return original();
});

const pem = (k: { export(o: object): string | Buffer }, type: 'pkcs8' | 'spki') =>
  k.export({ type, format: 'pem' }).toString();
const a = generateKeyPairSync('rsa', { modulusLength: 2048 });
const wechat = {
  SCENIC_WECHAT_MCHID: '1900000109',
  SCENIC_WECHAT_APPID: 'wxd678efh567hg6787',
  SCENIC_WECHAT_MERCHANT_SERIAL: '1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C',
  SCENIC_WECHAT_MERCHANT_PRIVATE_KEY: pem(a.privateKey, 'pkcs8'),
  SCENIC_WECHAT_APIV3_KEY: 'a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb',
  SCENIC_WECHAT_PLATFORM_PUBLIC_KEY: pem(a.publicKey, 'spki'),
  SCENIC_WECHAT_PLATFORM_PUBLIC_KEY_ID: 'PUB_KEY_ID_0119000001092024000000000000001',
};
const alipay = {
  SCENIC_ALIPAY_APP_ID: '2021000000000001',
  SCENIC_ALIPAY_SELLER_ID: '2088101106499364',
  // the bare base64 the Alipay key tool prints, and a PEM with escaped line breaks
  SCENIC_ALIPAY_APP_PRIVATE_KEY: (a.privateKey.export({ type: 'pkcs8', format: 'der' }) as Buffer).toString(
    'base64',
  ),
  SCENIC_ALIPAY_PUBLIC_KEY: pem(a.publicKey, 'spki').replace(/\n/g, '\\n'),
};
const fields = (f: () => unknown): string[] => {
  try {
    f();
  } catch (e) {
    return ((e as { details?: { fields?: { path: string }[] } }).details?.fields ?? []).map((x) => x.path);
  }
  return [];
};

describe('payment provider configuration', () => {
  it('builds nothing when no provider is named', () => {
    expect(loadPaymentProviders({}, systemClock).size).toBe(0);
  });

  it("loads Alipay's SDK only when SCENIC_PAYMENT_PROVIDERS names Alipay", async () => {
    const only = loadPaymentProviders({ SCENIC_PAYMENT_PROVIDERS: 'wechat', ...wechat }, systemClock);
    await paymentProvidersReady(only.values());
    expect(sdkLoads.n).toBe(0); // importing config.ts and building WeChat did not load it
    const both = loadPaymentProviders(
      { SCENIC_PAYMENT_PROVIDERS: 'wechat,alipay', ...wechat, ...alipay },
      systemClock,
    );
    await paymentProvidersReady(both.values());
    expect(sdkLoads.n).toBe(1);
    expect(both.get('alipay')!.notificationAck(true)).toMatchObject({ body: 'success' });
  });

  it('builds both providers from complete settings, keys in any pasted form', () => {
    const g = loadPaymentProviders(
      { SCENIC_PAYMENT_PROVIDERS: 'wechat, alipay', ...wechat, ...alipay },
      systemClock,
    );
    expect([...g.keys()]).toEqual(['wechat', 'alipay']);
    expect(g.get('wechat')).toMatchObject({ merchantId: '1900000109', appId: 'wxd678efh567hg6787' });
    expect(g.get('alipay')).toMatchObject({ merchantId: '2088101106499364', appId: '2021000000000001' });
  });

  it.each(Object.keys(wechat))(
    'a named WeChat provider without %s stops with that variable named (no default for it)',
    (name) => {
      const env: Record<string, string> = { SCENIC_PAYMENT_PROVIDERS: 'wechat', ...wechat };
      delete env[name];
      expect(fields(() => loadPaymentProviders(env, systemClock))).toContain(name);
    },
  );

  it.each(Object.keys(alipay))(
    'a named Alipay provider without %s stops with that variable named (no default for it)',
    (name) => {
      const env: Record<string, string> = { SCENIC_PAYMENT_PROVIDERS: 'alipay', ...alipay };
      delete env[name];
      expect(fields(() => loadPaymentProviders(env, systemClock))).toContain(name);
    },
  );

  it.each([
    ['SCENIC_WECHAT_APIV3_KEY', 'too-short'],
    ['SCENIC_WECHAT_MERCHANT_PRIVATE_KEY', '-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----'],
    ['SCENIC_WECHAT_PLATFORM_PUBLIC_KEY', 'not a key'],
    ['SCENIC_PAYMENT_PROVIDERS', 'wechat,paypal'],
  ])('refuses a malformed %s', (name, value) => {
    expect(
      fields(() =>
        loadPaymentProviders({ SCENIC_PAYMENT_PROVIDERS: 'wechat', ...wechat, [name]: value }, systemClock),
      )[0]?.split('.')[0],
    ).toBe(name);
  });
});
