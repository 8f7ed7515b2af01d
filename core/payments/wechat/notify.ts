import type { z } from 'zod';
import { parseRfc3339 } from '../china-time.js';
import { paymentError } from '../errors.js';
import type { PaymentStatus, ProviderNotice, RawHeaders, RefundStatus } from '../gateway.js';
import { header } from '../http.js';
import { decryptResource } from './aead.js';
import { Envelope, RefundResource, Transaction } from './schemas.js';
import { checkSignedHeaders } from './sign.js';
import type { WechatCredentials } from './client.js';

export const TRADE_STATUS: Record<z.output<typeof Transaction>['trade_state'], PaymentStatus> = {
  SUCCESS: 'succeeded',
  REFUND: 'refunded',
  NOTPAY: 'pending',
  USERPAYING: 'pending',
  CLOSED: 'closed',
  REVOKED: 'closed',
  PAYERROR: 'failed',
};

export const REFUND_STATUS: Record<'SUCCESS' | 'CLOSED' | 'PROCESSING' | 'ABNORMAL', RefundStatus> = {
  SUCCESS: 'succeeded',
  PROCESSING: 'pending',
  CLOSED: 'failed',
  ABNORMAL: 'abnormal',
};

/** A verified transaction as a payment state (query answers and notices share this). */
export function paymentStateOf(t: Transaction) {
  return {
    provider: 'wechat' as const,
    outTradeNo: t.out_trade_no,
    providerRef: t.transaction_id ?? null,
    amount: t.amount?.total ?? 0,
    currency: t.amount?.currency ?? 'CNY',
    merchantId: t.mchid,
    appId: t.appid,
    status: TRADE_STATUS[t.trade_state],
    providerStatus: t.trade_state,
    paidAt: t.success_time ? parseRfc3339(t.success_time) : null,
  };
}

/**
 * Verifies and reads a WeChat Pay notification. Order matters: the signature over the
 * raw body is checked first (with the platform key the serial names, and the timestamp
 * window), then the envelope is parsed, then the resource is decrypted (which also
 * authenticates it under the APIv3 key), then it must be for our merchant and app.
 */
export function parseWechatNotification(
  creds: WechatCredentials,
  headers: RawHeaders,
  rawBody: Buffer,
  nowMs: number,
): ProviderNotice {
  const check = checkSignedHeaders(
    {
      timestamp: header(headers, 'wechatpay-timestamp'),
      nonce: header(headers, 'wechatpay-nonce'),
      signature: header(headers, 'wechatpay-signature'),
      serial: header(headers, 'wechatpay-serial'),
    },
    rawBody,
    creds.platformKeys,
    nowMs,
  );
  if (check === 'stale')
    throw paymentError('stale_notification', 'WeChat Pay notification timestamp is outside ±5 minutes');
  if (check !== 'ok')
    throw paymentError('bad_notification_signature', `WeChat Pay notification signature: ${check}`);
  let envelope: z.output<typeof Envelope>;
  let plain: unknown;
  try {
    envelope = Envelope.parse(JSON.parse(rawBody.toString('utf8')));
    const r = envelope.resource;
    plain = JSON.parse(decryptResource(creds.apiV3Key, r.nonce, r.associated_data, r.ciphertext));
  } catch (e) {
    throw paymentError(
      'malformed_notification',
      `WeChat Pay notification cannot be read: ${(e as Error).message}`,
    );
  }
  const notice =
    envelope.resource.original_type === 'transaction'
      ? transactionNotice(envelope.id, plain)
      : refundNotice(envelope.id, plain);
  if (notice.merchantId !== creds.mchid || (notice.appId !== null && notice.appId !== creds.appid))
    throw paymentError('foreign_notification', 'WeChat Pay notification is for another merchant or app', {
      merchantId: notice.merchantId,
      appId: notice.appId,
    });
  return notice;
}

function transactionNotice(notifyId: string, plain: unknown): ProviderNotice {
  const t = Transaction.safeParse(plain);
  if (!t.success)
    throw paymentError('malformed_notification', 'WeChat Pay transaction resource does not match its schema');
  return { kind: 'payment', notifyId, ...paymentStateOf(t.data) };
}

function refundNotice(notifyId: string, plain: unknown): ProviderNotice {
  const r = RefundResource.safeParse(plain);
  if (!r.success)
    throw paymentError('malformed_notification', 'WeChat Pay refund resource does not match its schema');
  const d = r.data;
  return {
    kind: 'refund',
    notifyId,
    provider: 'wechat',
    outTradeNo: d.out_trade_no,
    outRefundNo: d.out_refund_no,
    providerRefundRef: d.refund_id,
    status: REFUND_STATUS[d.refund_status],
    providerStatus: d.refund_status,
    amount: d.amount.refund,
    refundedTotal: null,
    settledAt: d.success_time ? parseRfc3339(d.success_time) : null,
    merchantId: d.mchid,
    appId: null,
  };
}
