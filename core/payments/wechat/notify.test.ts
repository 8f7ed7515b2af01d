import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encryptResource } from './aead.js';
import type { WechatCredentials } from './client.js';
import { parseWechatNotification } from './notify.js';
import { rsaSign, signingMessage } from './sign.js';

const platform = generateKeyPairSync('rsa', { modulusLength: 2048 });
const apiV3Key = 'a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb';
const creds = {
  mchid: '1230000109',
  appid: 'wxd678efh567hg6787',
  apiV3Key,
  platformKeys: new Map([['PUB_KEY_ID_0112300001092024000000000000001', platform.publicKey]]),
} as unknown as WechatCredentials;
const NOW = Date.parse('2018-06-08T10:35:00+08:00');

/** The transaction resource of WeChat Pay's documented payment notification example. */
const transaction = {
  transaction_id: '1217752501201407033233368018',
  amount: { payer_total: 100, total: 100, currency: 'CNY', payer_currency: 'CNY' },
  mchid: '1230000109',
  trade_state: 'SUCCESS',
  bank_type: 'CMC',
  promotion_detail: [
    {
      amount: 100,
      wechatpay_contribute: 0,
      coupon_id: '109519',
      scope: 'GLOBAL',
      merchant_contribute: 0,
      name: '单品惠-6',
      other_contribute: 0,
      currency: 'CNY',
      stock_id: '931386',
      goods_detail: [],
    },
  ],
  success_time: '2018-06-08T10:34:56+08:00',
  payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
  out_trade_no: '1217752501201407033233368018',
  appid: 'wxd678efh567hg6787',
  trade_state_desc: '支付成功',
  trade_type: 'MICROPAY',
  attach: '自定义数据',
  scene_info: { device_id: '013467007045764' },
};

function notification(
  resource: unknown,
  type: 'transaction' | 'refund' = 'transaction',
  eventType = 'TRANSACTION.SUCCESS',
) {
  const body = JSON.stringify({
    id: 'EV-2018022511223320873',
    create_time: '2015-05-20T13:29:35+08:00',
    resource_type: 'encrypt-resource',
    event_type: eventType,
    summary: '支付成功',
    resource: encryptResource(apiV3Key, JSON.stringify(resource), type, type),
  });
  const ts = String(Math.floor(NOW / 1000));
  const headers = {
    'wechatpay-timestamp': ts,
    'wechatpay-nonce': 'fdasflkja484w',
    'wechatpay-signature': rsaSign(platform.privateKey, signingMessage(ts, 'fdasflkja484w', body)),
    'wechatpay-serial': 'PUB_KEY_ID_0112300001092024000000000000001',
    'wechatpay-signature-type': 'WECHATPAY2-SHA256-RSA2048',
  };
  return { headers, body: Buffer.from(body) };
}

const parse = (n: { headers: Record<string, string>; body: Buffer }, now = NOW) =>
  parseWechatNotification(creds, n.headers, n.body, now);
const code = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return 'accepted';
};

describe('WeChat Pay notifications', () => {
  it('accepts the documented payment notification and reads it into a typed notice', () => {
    expect(parse(notification(transaction))).toEqual({
      kind: 'payment',
      notifyId: 'EV-2018022511223320873',
      provider: 'wechat',
      outTradeNo: '1217752501201407033233368018',
      providerRef: '1217752501201407033233368018',
      amount: 100,
      currency: 'CNY',
      merchantId: '1230000109',
      appId: 'wxd678efh567hg6787',
      status: 'succeeded',
      providerStatus: 'SUCCESS',
      paidAt: new Date('2018-06-08T02:34:56Z'),
    });
  });

  it('reads a refund notification', () => {
    const refund = {
      mchid: '1230000109',
      transaction_id: '1217752501201407033233368018',
      out_trade_no: '1217752501201407033233368018',
      refund_id: '50000000382019052709732678859',
      out_refund_no: '1217752501201407033233368018',
      refund_status: 'SUCCESS',
      success_time: '2018-06-08T10:34:56+08:00',
      user_received_account: '招商银行信用卡0403',
      amount: { total: 999, refund: 999, payer_total: 999, payer_refund: 999 },
    };
    expect(parse(notification(refund, 'refund', 'REFUND.SUCCESS'))).toMatchObject({
      kind: 'refund',
      outRefundNo: refund.out_refund_no,
      amount: 999,
      status: 'succeeded',
      appId: null,
    });
  });

  it.each([
    [
      'a body changed after signing',
      (n: ReturnType<typeof notification>) => ({
        ...n,
        body: Buffer.from(n.body.toString().replace('TRANSACTION', 'TRANSACTIOM')),
      }),
      'bad_notification_signature',
    ],
    [
      'a signature by another key',
      (n: ReturnType<typeof notification>) => ({
        ...n,
        headers: {
          ...n.headers,
          'wechatpay-signature': rsaSign(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, 'x'),
        },
      }),
      'bad_notification_signature',
    ],
    [
      'no signature',
      (n: ReturnType<typeof notification>) => ({
        ...n,
        headers: { ...n.headers, 'wechatpay-signature': '' },
      }),
      'bad_notification_signature',
    ],
    [
      'an unknown serial',
      (n: ReturnType<typeof notification>) => ({
        ...n,
        headers: { ...n.headers, 'wechatpay-serial': 'PUB_KEY_ID_X' },
      }),
      'bad_notification_signature',
    ],
  ])('refuses %s', (_name, tamper, want) => {
    expect(code(() => parse(tamper(notification(transaction))))).toBe(want);
  });

  it('refuses a replay older than five minutes', () => {
    expect(code(() => parse(notification(transaction), NOW + 6 * 60_000))).toBe('stale_notification');
  });

  it('refuses a resource encrypted with another APIv3 key (signed, but not ours)', () => {
    const n = notification(transaction);
    const other = { ...creds, apiV3Key: 'b7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb' };
    expect(code(() => parseWechatNotification(other, n.headers, n.body, NOW))).toBe('malformed_notification');
  });

  it('refuses a notification for another merchant', () => {
    expect(code(() => parse(notification({ ...transaction, mchid: '1900000001' })))).toBe(
      'foreign_notification',
    );
  });

  it('refuses a paid transaction without its amount', () => {
    const { amount: _a, ...noAmount } = transaction;
    expect(code(() => parse(notification(noAmount)))).toBe('malformed_notification');
  });
});
