import type { z } from 'zod';
import { paymentError } from '../errors.js';
import type { NotificationAck, PaymentStatus, ProviderNotice } from '../gateway.js';
import type { AlipayClient } from './client.js';
import { Notification, type TradeStatus } from './schemas.js';

export const TRADE_STATUS: Record<z.output<typeof TradeStatus>, PaymentStatus> = {
  WAIT_BUYER_PAY: 'pending',
  TRADE_SUCCESS: 'succeeded', // paid, refunds still possible
  TRADE_FINISHED: 'succeeded', // paid, past the refund period: final
  TRADE_CLOSED: 'closed', // unpaid and timed out/closed — or fully refunded (see below)
};

/** Form parameters, refusing a parameter that appears twice (a signature covers one value per key). */
export function formParams(rawBody: Buffer): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(rawBody.toString('utf8'))) {
    if (k in params) throw paymentError('malformed_notification', `Alipay notification repeats ${k}`);
    params[k] = v;
  }
  return params;
}

/**
 * Verifies and reads an Alipay async notification: the RSA2 signature over the posted
 * parameters first, then their schema, then that it is for our app and seller. A
 * notification with `out_biz_no` and `refund_fee` reports a refund (Alipay sends the
 * trade's status with it: TRADE_SUCCESS after a partial refund, TRADE_CLOSED after a full
 * one), so it is never mistaken for a payment that closed unpaid.
 */
export function parseAlipayNotification(client: AlipayClient, rawBody: Buffer): ProviderNotice {
  const params = formParams(rawBody);
  if (!client.verifyNotification(params))
    throw paymentError('bad_notification_signature', 'Alipay notification signature does not verify');
  const r = Notification.safeParse(params);
  if (!r.success)
    throw paymentError('malformed_notification', 'Alipay notification does not match its schema', {
      issues: r.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`),
    });
  const n = r.data;
  if (n.app_id !== client.creds.appId || n.seller_id !== client.creds.sellerId)
    throw paymentError('foreign_notification', 'Alipay notification is for another app or seller', {
      appId: n.app_id,
      merchantId: n.seller_id,
    });
  const common = {
    notifyId: n.notify_id,
    provider: 'alipay' as const,
    outTradeNo: n.out_trade_no,
    merchantId: n.seller_id,
  };
  if (n.out_biz_no && n.refund_fee !== undefined)
    return {
      ...common,
      kind: 'refund',
      outRefundNo: n.out_biz_no,
      providerRefundRef: null,
      status: 'succeeded', // Alipay notifies refunds that went through
      providerStatus: n.trade_status,
      amount: null,
      refundedTotal: n.refund_fee,
      settledAt: n.gmt_refund ?? null,
      appId: n.app_id,
    };
  return {
    ...common,
    kind: 'payment',
    providerRef: n.trade_no,
    amount: n.total_amount,
    currency: 'CNY',
    appId: n.app_id,
    status: TRADE_STATUS[n.trade_status],
    providerStatus: n.trade_status,
    paidAt: n.gmt_payment ?? null,
  };
}

/** Alipay stops retrying only on the plain text `success`; anything else is retried (up to 8 times over ~25 h). */
export function alipayNotificationAck(ok: boolean): NotificationAck {
  return { status: 200, contentType: 'text/plain; charset=utf-8', body: ok ? 'success' : 'fail' };
}
