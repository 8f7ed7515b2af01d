import type { KeyObject } from 'node:crypto';
import type { z } from 'zod';
import type { Clock } from '../../clock.js';
import { paymentError } from '../errors.js';
import { exchange } from '../http.js';
import { authorization, checkSignedHeaders, nonce } from './sign.js';
import { ErrorBody } from './schemas.js';

/** Everything the merchant holds to talk to WeChat Pay API v3 (see config.ts). */
export interface WechatCredentials {
  mchid: string;
  appid: string;
  /** serial number of the merchant API certificate whose private key signs our requests */
  serialNo: string;
  privateKey: KeyObject;
  /** 32-character APIv3 key: decrypts notification resources */
  apiV3Key: string;
  /** platform public keys by id (PUB_KEY_ID_… or a platform certificate's serial) */
  platformKeys: ReadonlyMap<string, KeyObject>;
  baseUrl: string;
  timeoutMs: number;
}

export interface WechatAnswer {
  status: number;
  /** parsed JSON, null for 204 */
  json: unknown;
}

/**
 * A signed WeChat Pay API v3 exchange: the request carries our Authorization header;
 * the answer is accepted only with a valid Wechatpay-Signature from a platform key we
 * trust (the one exception is a 401, which WeChat sends unsigned when it could not
 * verify *our* signature). Statuses are returned for the adapter to judge.
 */
export class WechatClient {
  constructor(
    readonly creds: WechatCredentials,
    private readonly clock: Clock,
  ) {}

  private authHeader(method: string, pathAndQuery: string, body: string): string {
    return authorization({
      mchid: this.creds.mchid,
      serialNo: this.creds.serialNo,
      privateKey: this.creds.privateKey,
      method,
      pathAndQuery,
      body,
      timestamp: Math.floor(this.clock.now().getTime() / 1000),
      nonceStr: nonce(),
    });
  }

  async call(method: 'GET' | 'POST', pathAndQuery: string, body?: unknown): Promise<WechatAnswer> {
    const text = body === undefined ? '' : JSON.stringify(body);
    const res = await exchange(
      this.creds.baseUrl + pathAndQuery,
      {
        method,
        headers: {
          authorization: this.authHeader(method, pathAndQuery, text),
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          'user-agent': 'scenic-payments/1',
        },
        body: body === undefined ? undefined : text,
      },
      this.creds.timeoutMs,
    );
    const check = checkSignedHeaders(
      {
        timestamp: res.headers.get('wechatpay-timestamp') ?? undefined,
        nonce: res.headers.get('wechatpay-nonce') ?? undefined,
        signature: res.headers.get('wechatpay-signature') ?? undefined,
        serial: res.headers.get('wechatpay-serial') ?? undefined,
      },
      res.body,
      this.creds.platformKeys,
      this.clock.now().getTime(),
    );
    if (check !== 'ok') {
      if (res.status === 401)
        throw paymentError(
          'provider_refused_signature',
          `WeChat Pay refused our request signature (${pathAndQuery})`,
        );
      if (res.status >= 500 || res.status === 429)
        throw paymentError('provider_unreachable', `WeChat Pay answered ${res.status} (${pathAndQuery})`);
      throw paymentError(
        'provider_answer_unverified',
        `WeChat Pay answer to ${method} ${pathAndQuery.split('?')[0]} is not validly signed (${check})`,
      );
    }
    if (res.status === 204 || res.body.length === 0) return { status: res.status, json: null };
    try {
      return { status: res.status, json: JSON.parse(res.body.toString('utf8')) as unknown };
    } catch {
      throw paymentError('provider_answer_unverified', `WeChat Pay answer to ${pathAndQuery} is not JSON`);
    }
  }

  /**
   * Downloads a bill file. WeChat Pay does not sign file streams (the tradebill answer's
   * SHA1 covers them instead), so the download URL must be on the API's own origin: our
   * signed Authorization is never sent anywhere else.
   */
  async download(url: string): Promise<Buffer> {
    const u = new URL(url);
    if (u.origin !== new URL(this.creds.baseUrl).origin)
      throw paymentError('provider_answer_unverified', `bill download URL is not on ${this.creds.baseUrl}`);
    const pathAndQuery = u.pathname + u.search;
    const res = await exchange(
      url,
      { method: 'GET', headers: { authorization: this.authHeader('GET', pathAndQuery, '') } },
      this.creds.timeoutMs,
    );
    if (res.status !== 200)
      throw paymentError('provider_unreachable', `WeChat Pay bill download answered ${res.status}`);
    return res.body;
  }
}

/** Parses a verified 2xx answer with `schema`; any other status becomes a DomainError naming the provider's code. */
export function expectOk<S extends z.ZodType>(a: WechatAnswer, schema: S, what: string): z.output<S> {
  if (a.status < 200 || a.status >= 300) throw rejection(a, what);
  const r = schema.safeParse(a.json);
  if (!r.success)
    throw paymentError('provider_answer_unverified', `WeChat Pay ${what} answer does not match its schema`, {
      issues: r.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`),
    });
  return r.data;
}

/** The provider's error code of a verified non-2xx answer ('' when it sent none). */
export function errorCode(a: WechatAnswer): string {
  const r = ErrorBody.safeParse(a.json);
  return r.success ? r.data.code : '';
}

export function rejection(a: WechatAnswer, what: string) {
  const code = errorCode(a);
  const details = { provider: 'wechat', providerCode: code, status: a.status };
  if (a.status >= 500 || a.status === 429)
    return paymentError('provider_unreachable', `WeChat Pay ${what}: ${a.status} ${code}`, details);
  return paymentError('provider_rejected', `WeChat Pay refused ${what}: ${a.status} ${code}`, details);
}
