import { createSign, createVerify, randomBytes, type KeyObject } from 'node:crypto';

/**
 * WeChat Pay API v3 signatures (WECHATPAY2-SHA256-RSA2048): SHA256withRSA (PKCS#1 v1.5)
 * over lines joined by "\n", each line (the last included) ended by "\n".
 * - request:  METHOD \n PATH?QUERY \n TIMESTAMP \n NONCE \n BODY \n   (merchant private key)
 * - answer and notification: TIMESTAMP \n NONCE \n BODY \n   (platform key named by Wechatpay-Serial)
 * - JSAPI pay params: APPID \n TIMESTAMP \n NONCE \n prepay_id=… \n   (merchant private key)
 */
export const SCHEME = 'WECHATPAY2-SHA256-RSA2048';

export const signingMessage = (...lines: string[]): string => lines.map((l) => `${l}\n`).join('');

export function rsaSign(key: KeyObject, message: string): string {
  return createSign('RSA-SHA256').update(message, 'utf8').sign(key, 'base64');
}

/** False for a wrong signature and for one that is not even base64 RSA (never throws). */
export function rsaVerify(key: KeyObject, message: string, signature: string): boolean {
  try {
    return createVerify('RSA-SHA256').update(message, 'utf8').verify(key, signature, 'base64');
  } catch {
    return false;
  }
}

/** 32 random alphanumerics, as WeChat's own SDKs make nonces. */
export const nonce = (): string =>
  randomBytes(24).toString('base64').replace(/[+/=]/g, '').slice(0, 32).padEnd(32, '0');

export interface RequestAuth {
  mchid: string;
  serialNo: string;
  privateKey: KeyObject;
  method: string;
  /** path and query exactly as sent, e.g. /v3/pay/transactions/out-trade-no/x?mchid=1 */
  pathAndQuery: string;
  body: string;
  timestamp: number;
  nonceStr: string;
}

/** The `Authorization` header of a merchant request. */
export function authorization(a: RequestAuth): string {
  const message = signingMessage(a.method, a.pathAndQuery, String(a.timestamp), a.nonceStr, a.body);
  const signature = rsaSign(a.privateKey, message);
  return (
    `${SCHEME} mchid="${a.mchid}",nonce_str="${a.nonceStr}",signature="${signature}",` +
    `timestamp="${a.timestamp}",serial_no="${a.serialNo}"`
  );
}

export interface ParsedAuthorization {
  mchid: string;
  nonce_str: string;
  signature: string;
  timestamp: string;
  serial_no: string;
}

/** Parses an `Authorization` header (the fake verifies merchants with it); null if malformed. */
export function parseAuthorization(header: string | undefined): ParsedAuthorization | null {
  if (!header?.startsWith(`${SCHEME} `)) return null;
  const fields: Record<string, string> = {};
  for (const m of header.slice(SCHEME.length + 1).matchAll(/(\w+)="([^"]*)"/g)) fields[m[1]!] = m[2]!;
  const { mchid, nonce_str, signature, timestamp, serial_no } = fields;
  if (!mchid || !nonce_str || !signature || !timestamp || !serial_no) return null;
  return { mchid, nonce_str, signature, timestamp, serial_no };
}

/** The headers WeChat Pay signs its answers and notifications with. */
export interface SignedHeaders {
  timestamp: string;
  nonce: string;
  signature: string;
  serial: string;
}

export type HeaderCheck = 'ok' | 'unsigned' | 'unknown_serial' | 'bad_signature' | 'stale';

/**
 * Verifies a WeChat Pay answer or notification: the serial must name a platform key we
 * trust, the signature must verify over the exact body bytes, and the timestamp must be
 * within `windowSeconds` of now (replays of old notifications are refused).
 */
export function checkSignedHeaders(
  h: Partial<SignedHeaders>,
  body: Buffer,
  keys: ReadonlyMap<string, KeyObject>,
  nowMs: number,
  windowSeconds = 300,
): HeaderCheck {
  if (!h.timestamp || !h.nonce || !h.signature || !h.serial) return 'unsigned';
  const key = keys.get(h.serial);
  if (!key) return 'unknown_serial';
  const message = signingMessage(h.timestamp, h.nonce, body.toString('utf8'));
  if (!rsaVerify(key, message, h.signature)) return 'bad_signature';
  if (!/^\d{1,12}$/.test(h.timestamp) || Math.abs(nowMs / 1000 - Number(h.timestamp)) > windowSeconds)
    return 'stale';
  return 'ok';
}
