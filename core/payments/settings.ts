import { z } from 'zod';
import { inputError } from '../errors.js';
import { parseInput } from '../validation.js';
import type { ProviderName } from './gateway.js';
import { readPrivateKey, readPublicKey } from './keys.js';

/**
 * Payment provider settings, read from the environment and validated at start-up
 * (`core/config.ts` calls `readPaymentSettings`). No secret has a default: a provider
 * named in SCENIC_PAYMENT_PROVIDERS without its keys stops the process naming the
 * variable. Where each value comes from in the merchant consoles: core/payments/README.md.
 *
 * The providers' own hosts are the only endpoints a deployment talks to. Any other base
 * URL is a stand-in (the local fakes in `fakes/`, which sign with keys they make up at
 * start): that is the demo's and the tests' business only, and they say so with
 * SCENIC_ALLOW_FAKE_GATEWAY=1. Without it such a process refuses to start.
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
  /** comma-separated: wechat, alipay (empty: no online payments; the first is the default) */
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
  /** `1`: the demo and the tests, whose providers are the local fakes; never in a deployment */
  SCENIC_ALLOW_FAKE_GATEWAY: z.enum(['0', '1']).default('0'),
});

export type WechatSettings = z.output<typeof WechatEnv>;
export type AlipaySettings = z.output<typeof AlipayEnv>;

export interface PaymentSettings {
  /** in the order named; the first is the default provider of a payment */
  providers: ProviderName[];
  timeoutMs: number;
  wechat?: WechatSettings;
  alipay?: AlipaySettings;
  /** some provider talks to a stand-in, not to the provider (allowed only with SCENIC_ALLOW_FAKE_GATEWAY=1) */
  fake: boolean;
}

/** The providers' own API hosts (Alipay's sandbox included): anything else is a fake. */
export const PROVIDER_HOSTS: Readonly<Record<ProviderName, readonly string[]>> = {
  wechat: ['api.mch.weixin.qq.com', 'api2.mch.weixin.qq.com'],
  alipay: ['openapi.alipay.com', 'openapi-sandbox.dl.alipaydev.com'],
};

const isProviderHost = (p: ProviderName, u: string) => {
  const x = new URL(u);
  return x.protocol === 'https:' && PROVIDER_HOSTS[p].includes(x.hostname);
};

/**
 * Reads and checks every payment variable. A missing or malformed one throws an `input`
 * DomainError (code invalid_config) whose fields name it; so does a provider pointed at
 * a stand-in without SCENIC_ALLOW_FAKE_GATEWAY=1.
 */
export function readPaymentSettings(env: NodeJS.ProcessEnv): PaymentSettings {
  const common = parseInput(PaymentEnv, env, 'invalid_config');
  const out: PaymentSettings = {
    providers: common.SCENIC_PAYMENT_PROVIDERS,
    timeoutMs: common.SCENIC_PAYMENT_TIMEOUT_MS,
    fake: false,
  };
  const stand: string[] = [];
  for (const p of out.providers) {
    if (p === 'wechat') {
      out.wechat = parseInput(WechatEnv.superRefine(certMatchesId), env, 'invalid_config');
      if (!isProviderHost(p, out.wechat.SCENIC_WECHAT_BASE_URL)) stand.push('SCENIC_WECHAT_BASE_URL');
    } else {
      out.alipay = parseInput(AlipayEnv, env, 'invalid_config');
      if (!isProviderHost(p, out.alipay.SCENIC_ALIPAY_GATEWAY_URL)) stand.push('SCENIC_ALIPAY_GATEWAY_URL');
    }
  }
  out.fake = stand.length > 0;
  if (out.fake && common.SCENIC_ALLOW_FAKE_GATEWAY !== '1')
    throw inputError(
      'invalid_config',
      `SCENIC_ALLOW_FAKE_GATEWAY: ${stand.join(', ')} is not the provider's own https host: that is a fake gateway, for the demo and the tests only (they set SCENIC_ALLOW_FAKE_GATEWAY=1)`,
      [
        {
          path: 'SCENIC_ALLOW_FAKE_GATEWAY',
          message: `${stand.join(', ')} points at a fake gateway (not the provider's https host); only the demo and the tests may, by setting SCENIC_ALLOW_FAKE_GATEWAY=1`,
        },
      ],
    );
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
