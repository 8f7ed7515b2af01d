import { z } from 'zod';
import type { Clock } from '../clock.js';
import { parseInput } from '../validation.js';
import { AlipayGateway } from './alipay/adapter.js';
import type { ProviderGateway, ProviderName } from './gateway.js';
import { readPrivateKey, readPublicKey } from './keys.js';
import { WechatPayGateway } from './wechat/adapter.js';

/**
 * Payment provider settings, read from the environment and validated at start-up (the
 * lead merges this schema into core/config.ts). No secret has a default: a provider named
 * in SCENIC_PAYMENT_PROVIDERS without its keys stops the process naming the variable.
 * Where each value comes from in the merchant consoles: core/payments/README.md.
 */
const privateKey = z
  .string()
  .refine((s) => readPrivateKey(s) !== null, 'must be an RSA private key (≥2048 bits), PEM or base64');
const publicKey = z
  .string()
  .refine((s) => readPublicKey(s) !== null, 'must be an RSA public key or certificate, PEM or base64');
const url = z.string().url();

export const WechatEnv = z.object({
  /** 商户号 */
  SCENIC_WECHAT_MCHID: z.string().regex(/^\d{6,32}$/, 'must be the merchant number (digits)'),
  /** the AppID bound to the merchant (mini-program / official account) */
  SCENIC_WECHAT_APPID: z.string().regex(/^wx[0-9a-zA-Z]{16}$/, 'must be an AppID (wx + 16 characters)'),
  /** serial number of the merchant API certificate (商户API证书序列号) */
  SCENIC_WECHAT_MERCHANT_SERIAL: z
    .string()
    .regex(/^[0-9A-Fa-f]{8,64}$/, 'must be a certificate serial (hex)'),
  /** apiclient_key.pem */
  SCENIC_WECHAT_MERCHANT_PRIVATE_KEY: privateKey,
  /** APIv3 密钥, 32 characters */
  SCENIC_WECHAT_APIV3_KEY: z.string().refine((s) => Buffer.byteLength(s) === 32, 'must be exactly 32 bytes'),
  /** 微信支付公钥 (pub_key.pem), or the platform certificate in certificate mode */
  SCENIC_WECHAT_PLATFORM_PUBLIC_KEY: publicKey,
  /** PUB_KEY_ID_…, or the platform certificate's serial */
  SCENIC_WECHAT_PLATFORM_PUBLIC_KEY_ID: z
    .string()
    .regex(/^[0-9A-Za-z_]{8,64}$/, 'must be a public key ID or serial'),
  SCENIC_WECHAT_BASE_URL: url.default('https://api.mch.weixin.qq.com'),
});

export const AlipayEnv = z.object({
  /** the open-platform application's APPID */
  SCENIC_ALIPAY_APP_ID: z.string().regex(/^\d{16}$/, 'must be a 16-digit APPID'),
  /** the merchant's PID (2088…), the seller_id of its trades */
  SCENIC_ALIPAY_SELLER_ID: z.string().regex(/^2088\d{12}$/, 'must be a PID (2088 + 12 digits)'),
  /** 应用私钥 */
  SCENIC_ALIPAY_APP_PRIVATE_KEY: privateKey,
  /** 支付宝公钥 (not the application's own public key) */
  SCENIC_ALIPAY_PUBLIC_KEY: publicKey,
  SCENIC_ALIPAY_GATEWAY_URL: url.default('https://openapi.alipay.com/gateway.do'),
});

export const PaymentEnv = z.object({
  /** comma-separated: wechat, alipay (empty: no real provider) */
  SCENIC_PAYMENT_PROVIDERS: z
    .string()
    .default('')
    .transform((s) => [
      ...new Set(
        s
          .split(',')
          .map((p) => p.trim())
          .filter(Boolean),
      ),
    ])
    .pipe(z.array(z.enum(['wechat', 'alipay']))),
  SCENIC_PAYMENT_TIMEOUT_MS: z.coerce.number().int().min(500).max(60_000).default(10_000),
});

export type WechatSettings = z.output<typeof WechatEnv>;
export type AlipaySettings = z.output<typeof AlipayEnv>;

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

export function alipayGateway(s: AlipaySettings, timeoutMs: number, clock: Clock): AlipayGateway {
  return new AlipayGateway(
    {
      appId: s.SCENIC_ALIPAY_APP_ID,
      sellerId: s.SCENIC_ALIPAY_SELLER_ID,
      appPrivateKey: readPrivateKey(s.SCENIC_ALIPAY_APP_PRIVATE_KEY)!,
      alipayPublicKey: readPublicKey(s.SCENIC_ALIPAY_PUBLIC_KEY)!.key,
      gatewayUrl: s.SCENIC_ALIPAY_GATEWAY_URL,
      timeoutMs,
    },
    clock,
  );
}

/**
 * Builds the gateways SCENIC_PAYMENT_PROVIDERS names from `env`. A missing or malformed
 * variable throws an `input` DomainError (code invalid_config) whose fields name it.
 */
export function loadPaymentProviders(
  env: NodeJS.ProcessEnv,
  clock: Clock,
): ReadonlyMap<ProviderName, ProviderGateway> {
  const common = parseInput(PaymentEnv, env, 'invalid_config');
  const out = new Map<ProviderName, ProviderGateway>();
  for (const p of common.SCENIC_PAYMENT_PROVIDERS) {
    if (p === 'wechat') {
      const s = parseInput(WechatEnv.superRefine(certMatchesId), env, 'invalid_config');
      out.set(p, wechatGateway(s, common.SCENIC_PAYMENT_TIMEOUT_MS, clock));
    } else {
      out.set(
        p,
        alipayGateway(parseInput(AlipayEnv, env, 'invalid_config'), common.SCENIC_PAYMENT_TIMEOUT_MS, clock),
      );
    }
  }
  return out;
}

/** In certificate mode the ID must be the certificate's own serial. */
function certMatchesId(s: WechatSettings, ctx: z.RefinementCtx): void {
  const serial = readPublicKey(s.SCENIC_WECHAT_PLATFORM_PUBLIC_KEY)?.certSerial;
  if (serial && serial !== s.SCENIC_WECHAT_PLATFORM_PUBLIC_KEY_ID.toUpperCase())
    ctx.addIssue({
      code: 'custom',
      path: ['SCENIC_WECHAT_PLATFORM_PUBLIC_KEY_ID'],
      message: `must be the platform certificate's serial ${serial}`,
    });
}
