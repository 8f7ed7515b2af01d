import type { Clock } from '../clock.js';
import { alipayNotificationAck } from './alipay/notify.js';
import type { ProviderGateway, ProviderName } from './gateway.js';
import { readPrivateKey, readPublicKey } from './keys.js';
import { LazyGateway } from './lazy.js';
import {
  readPaymentSettings,
  type AlipaySettings,
  type PaymentSettings,
  type WechatSettings,
} from './settings.js';
import { WechatPayGateway } from './wechat/adapter.js';

export { paymentProvidersReady } from './lazy.js';
export { AlipayEnv, PaymentEnv, WechatEnv, type AlipaySettings, type WechatSettings } from './settings.js';

/** The deployment's providers by name, in the order SCENIC_PAYMENT_PROVIDERS names them. */
export type PaymentProviders = ReadonlyMap<ProviderName, ProviderGateway>;

export function wechatGateway(s: WechatSettings, timeoutMs: number, clock: Clock): WechatPayGateway {
  const platform = readPublicKey(s.SCENIC_WECHAT_PLATFORM_PUBLIC_KEY)!;
  return new WechatPayGateway(
    {
      mchid: s.SCENIC_WECHAT_MCHID,
      appid: s.SCENIC_WECHAT_APPID,
      serialNo: s.SCENIC_WECHAT_MERCHANT_SERIAL.toUpperCase(),
      privateKey: readPrivateKey(s.SCENIC_WECHAT_MERCHANT_PRIVATE_KEY)!,
      apiV3Key: s.SCENIC_WECHAT_APIV3_KEY,
      // WeChat names certificate serials in upper case; public key IDs as issued
      platformKeys: new Map([[platform.certSerial ?? s.SCENIC_WECHAT_PLATFORM_PUBLIC_KEY_ID, platform.key]]),
      baseUrl: s.SCENIC_WECHAT_BASE_URL.replace(/\/$/, ''),
      timeoutMs,
    },
    clock,
  );
}

/**
 * Alipay through its SDK, imported only now (a dynamic import): a deployment that does not
 * name Alipay never loads it (see lazy.ts). Keys are checked here, before anything loads.
 */
export function alipayGateway(s: AlipaySettings, timeoutMs: number, clock: Clock): LazyGateway {
  const creds = {
    appId: s.SCENIC_ALIPAY_APP_ID,
    sellerId: s.SCENIC_ALIPAY_SELLER_ID,
    appPrivateKey: readPrivateKey(s.SCENIC_ALIPAY_APP_PRIVATE_KEY)!,
    alipayPublicKey: readPublicKey(s.SCENIC_ALIPAY_PUBLIC_KEY)!.key,
    gatewayUrl: s.SCENIC_ALIPAY_GATEWAY_URL,
    timeoutMs,
  };
  return new LazyGateway('alipay', creds.sellerId, creds.appId, alipayNotificationAck, async () => {
    const { AlipayGateway } = await import('./alipay/adapter.js');
    return new AlipayGateway(creds, clock);
  });
}

/** The gateways of checked settings (`readPaymentSettings`), in their order. */
export function buildPaymentProviders(s: PaymentSettings, clock: Clock): PaymentProviders {
  const out = new Map<ProviderName, ProviderGateway>();
  for (const p of s.providers)
    out.set(
      p,
      p === 'wechat'
        ? wechatGateway(s.wechat!, s.timeoutMs, clock)
        : alipayGateway(s.alipay!, s.timeoutMs, clock),
    );
  return out;
}

/**
 * Builds the gateways SCENIC_PAYMENT_PROVIDERS names from `env`. A missing or malformed
 * variable throws an `input` DomainError (code invalid_config) whose fields name it.
 */
export function loadPaymentProviders(env: NodeJS.ProcessEnv, clock: Clock): PaymentProviders {
  return buildPaymentProviders(readPaymentSettings(env), clock);
}
