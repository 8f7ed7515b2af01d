import { createSign, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../clock.js';
import { AlipayClient } from './client.js';
import { parseAlipayNotification } from './notify.js';

const alipay = generateKeyPairSync('rsa', { modulusLength: 2048 });
const app = generateKeyPairSync('rsa', { modulusLength: 2048 });
const client = new AlipayClient(
  {
    appId: '2014072300007148',
    sellerId: '2088101106499364',
    appPrivateKey: app.privateKey,
    alipayPublicKey: alipay.publicKey,
    gatewayUrl: 'http://127.0.0.1:1/gateway.do',
    timeoutMs: 1000,
  },
  systemClock,
);

/** The parameters of Alipay's documented async notification example (alipay.trade.page.pay). */
const example: Record<string, string> = {
  gmt_create: '2015-06-11 22:33:46',
  charset: 'utf-8',
  seller_email: 'merchant@alipay.com',
  subject: '商品名称',
  body: '商品描述',
  buyer_id: '2088102169940354',
  invoice_amount: '0.02',
  notify_id: '2015061100222003346009751112',
  fund_bill_list: '[{"amount":"0.02","fundChannel":"ALIPAYACCOUNT"}]',
  notify_type: 'trade_status_sync',
  trade_status: 'TRADE_SUCCESS',
  receipt_amount: '0.02',
  app_id: '2014072300007148',
  buyer_pay_amount: '0.02',
  sign_type: 'RSA2',
  seller_id: '2088101106499364',
  gmt_payment: '2015-06-11 22:33:59',
  notify_time: '2015-06-11 22:34:03',
  version: '1.0',
  out_trade_no: '20150611223328123456',
  total_amount: '0.02',
  trade_no: '2015061121001004400068549373',
  auth_app_id: '2014072300007148',
  buyer_logon_id: 'hao***@alipay.com',
  point_amount: '0.00',
};

/** Alipay's rule, written out independently of the SDK: sort, drop sign and sign_type, k=v&…, RSA-SHA256. */
function signed(params: Record<string, string>, key = alipay.privateKey): Buffer {
  const text = Object.keys(params)
    .filter((k) => k !== 'sign' && k !== 'sign_type' && params[k] !== '')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
  const sign = createSign('RSA-SHA256').update(text, 'utf8').sign(key, 'base64');
  return Buffer.from(new URLSearchParams({ ...params, sign }).toString());
}

const code = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return 'accepted';
};

describe('Alipay async notifications', () => {
  it('accepts the documented example and reads it into a typed payment notice', () => {
    expect(parseAlipayNotification(client, signed(example))).toEqual({
      kind: 'payment',
      notifyId: '2015061100222003346009751112',
      provider: 'alipay',
      outTradeNo: '20150611223328123456',
      providerRef: '2015061121001004400068549373',
      amount: 2,
      currency: 'CNY',
      merchantId: '2088101106499364',
      appId: '2014072300007148',
      status: 'succeeded',
      providerStatus: 'TRADE_SUCCESS',
      paidAt: new Date('2015-06-11T14:33:59Z'),
    });
  });

  it('reads a refund notification (out_biz_no, refund_fee) as a refund, not a closed payment', () => {
    const refund = {
      ...example,
      trade_status: 'TRADE_CLOSED',
      out_biz_no: 'R20150611',
      refund_fee: '0.02',
      gmt_refund: '2015-06-12 10:00:00.123',
    };
    expect(parseAlipayNotification(client, signed(refund))).toMatchObject({
      kind: 'refund',
      outRefundNo: 'R20150611',
      refundedTotal: 2,
      amount: null,
      status: 'succeeded',
    });
  });

  it.each([
    [
      'an amount changed after signing',
      () => Buffer.from(signed(example).toString().replace('total_amount=0.02', 'total_amount=200.02')),
    ],
    [
      'a signature by another key',
      () => signed(example, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey),
    ],
    ['no signature', () => Buffer.from(new URLSearchParams(example).toString())],
    ['a repeated parameter', () => Buffer.from(`${signed(example).toString()}&total_amount=0.02`)],
  ])('refuses %s', (_n, body) => {
    expect(['bad_notification_signature', 'malformed_notification']).toContain(
      code(() => parseAlipayNotification(client, body())),
    );
  });

  it('refuses a notification for another app, and one that is not amounts in yuan', () => {
    expect(
      code(() => parseAlipayNotification(client, signed({ ...example, app_id: '2014072300000000' }))),
    ).toBe('foreign_notification');
    expect(code(() => parseAlipayNotification(client, signed({ ...example, total_amount: '0.021' })))).toBe(
      'malformed_notification',
    );
  });
});
