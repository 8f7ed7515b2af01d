import type { KeyObject } from 'node:crypto';
import { AlipaySdk } from 'alipay-sdk';
import type { Clock } from '../../clock.js';
import { toBeijingDateTime } from '../china-time.js';
import { paymentError } from '../errors.js';
import { exchange } from '../http.js';

/** Everything the merchant holds to talk to the Alipay open platform (see config.ts). */
export interface AlipayCredentials {
  appId: string;
  /** the merchant's PID (2088…): `seller_id` of its trades */
  sellerId: string;
  appPrivateKey: KeyObject;
  alipayPublicKey: KeyObject;
  /** e.g. https://openapi.alipay.com/gateway.do */
  gatewayUrl: string;
  timeoutMs: number;
}

/** A verified gateway answer: the `<method>_response` (or `error_response`) object. */
export type AlipayAnswer = Record<string, unknown> & { code?: unknown; sub_code?: unknown };

/**
 * The Alipay open platform (gateway.do, RSA2) through Alipay's own SDK, used for what it
 * does canonically — the signing string (`sdkExecute`), answer verification over the raw
 * `<method>_response` bytes (`checkResponseSign`), signed page URLs (`pageExecute`) and
 * notification verification (`checkNotifySignV2`) — while the HTTP exchange is ours
 * (the same timeouts and errors as WeChat's). The SDK fails open in two places (answers are
 * verified only on request, and skipped without a public key); here every answer is
 * verified and the key is always set. See docs/adr/0009-payment-providers.md.
 */
export class AlipayClient {
  private readonly sdk: AlipaySdk;

  constructor(
    readonly creds: AlipayCredentials,
    private readonly clock: Clock,
  ) {
    this.sdk = new AlipaySdk({
      appId: creds.appId,
      privateKey: creds.appPrivateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      keyType: 'PKCS8',
      alipayPublicKey: creds.alipayPublicKey.export({ type: 'spki', format: 'pem' }).toString(),
      gateway: creds.gatewayUrl,
      signType: 'RSA2',
      camelcase: false,
      timeout: creds.timeoutMs,
    });
  }

  /** Beijing time from our clock (the SDK would use the process's local zone). */
  private timestamp = () => toBeijingDateTime(this.clock.now());

  /** Calls `method` and returns its verified answer object; throws a DomainError otherwise. */
  async exec(method: string, bizContent: Record<string, unknown>, extra: { notifyUrl?: string } = {}) {
    const form = this.sdk.sdkExecute(method, {
      bizContent,
      timestamp: this.timestamp(),
      ...(extra.notifyUrl ? { notifyUrl: extra.notifyUrl } : {}),
    });
    const res = await exchange(
      this.creds.gatewayUrl,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded;charset=utf-8',
          accept: 'application/json',
        },
        body: form,
      },
      this.creds.timeoutMs,
    );
    if (res.status !== 200)
      throw paymentError('provider_unreachable', `Alipay ${method} answered HTTP ${res.status}`);
    return this.verifyAnswer(method, res.body.toString('utf8'));
  }

  private verifyAnswer(method: string, raw: string): AlipayAnswer {
    const unverified = (why: string) =>
      paymentError('provider_answer_unverified', `Alipay ${method} answer ${why}`, { provider: 'alipay' });
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      throw unverified('is not JSON');
    }
    const key = `${method.replaceAll('.', '_')}_response`;
    const responseKey = key in parsed ? key : 'error_response';
    const body = parsed[responseKey];
    if (typeof parsed.sign !== 'string' || !parsed.sign) throw unverified('is not signed');
    if (!body || typeof body !== 'object') throw unverified(`has no ${key}`);
    try {
      this.sdk.checkResponseSign(raw, responseKey, parsed.sign, '');
    } catch {
      throw unverified('does not verify with the Alipay public key');
    }
    return body as AlipayAnswer;
  }

  /** A signed gateway URL the browser is sent to (wap/page pay). */
  pageUrl(
    method: string,
    bizContent: Record<string, unknown>,
    opts: { notifyUrl: string; returnUrl?: string },
  ) {
    return this.sdk.pageExecute(method, 'GET', {
      bizContent,
      timestamp: this.timestamp(),
      notifyUrl: opts.notifyUrl,
      ...(opts.returnUrl ? { returnUrl: opts.returnUrl } : {}),
    });
  }

  /**
   * Verifies an async notification's parameters with the Alipay public key: RSA2 over
   * all parameters but `sign` and `sign_type`, sorted, joined as k=v&…, values as posted.
   */
  verifyNotification(params: Record<string, string>): boolean {
    if (!params.sign) return false;
    try {
      return this.sdk.checkNotifySignV2(params);
    } catch {
      return false;
    }
  }
}

/** The business outcome of a verified answer. */
export function outcomeOf(a: AlipayAnswer): { ok: boolean; code: string; subCode: string } {
  const code = typeof a.code === 'string' ? a.code : '';
  return { ok: code === '10000', code, subCode: typeof a.sub_code === 'string' ? a.sub_code : '' };
}

/** A non-10000 answer as a DomainError: 20000 (service busy) is transient, 40002 invalid-signature is ours. */
export function rejectionOf(a: AlipayAnswer, what: string) {
  const { code, subCode } = outcomeOf(a);
  const details = { provider: 'alipay', providerCode: subCode || code };
  if (code === '20000' || subCode === 'ACQ.SYSTEM_ERROR' || subCode.startsWith('isp.'))
    return paymentError('provider_unreachable', `Alipay ${what}: ${code} ${subCode}`, details);
  if (subCode === 'isv.invalid-signature')
    return paymentError(
      'provider_refused_signature',
      `Alipay refused our request signature (${what})`,
      details,
    );
  return paymentError('provider_rejected', `Alipay refused ${what}: ${code} ${subCode}`, details);
}
