import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.js';
import { uuidv7 } from '../../core/ids.js';
import { loadPaymentProviders } from '../../core/payments/config.js';
import {
  outRefundNoOf,
  outTradeNoOf,
  type ProviderGateway,
  type RefundState,
} from '../../core/payments/gateway.js';
import { startWechatPayFake, type WechatPayFake } from '../../fakes/wechat-pay.js';
import { rsaPair } from '../../fakes/kit/keys.js';
import { eventually, startReceiver, today, type Receiver } from './receiver.js';

/** The WeChat Pay v3 adapter against the protocol-faithful fake, over HTTP. */
let fake: WechatPayFake;
let gw: ProviderGateway;
let rx: Receiver;

const build = (env: Record<string, string>) =>
  loadPaymentProviders(
    { SCENIC_PAYMENT_PROVIDERS: 'wechat', SCENIC_ALLOW_FAKE_GATEWAY: '1', ...env },
    systemClock,
  ).get('wechat')!;

beforeAll(async () => {
  fake = await startWechatPayFake();
  gw = build(fake.env());
  rx = await startReceiver(() => gw);
  fake.notifier.retries = { attempts: 2, intervalMs: 20 };
});
afterAll(async () => {
  await rx.close();
  await fake.close();
});
beforeEach(() => {
  rx.notices.length = 0;
  rx.refused.length = 0;
});

async function created(scene: 'native' | 'jsapi' | 'h5' = 'native', amount = 12_300) {
  const outTradeNo = outTradeNoOf(uuidv7());
  const c = await gw.createPayment({
    outTradeNo,
    amount,
    currency: 'CNY',
    description: 'Scenic tickets west-lake 2026-12-02',
    notifyUrl: rx.url,
    expiresAt: new Date(Date.now() + 15 * 60_000),
    scene,
    payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o', clientIp: '203.0.113.7' },
    returnUrl: 'https://scenic.example/orders/1',
  });
  return { outTradeNo, c };
}

describe('WeChat Pay adapter against the fake', () => {
  it('Native: create → pay → the notification verifies and names our payment', async () => {
    const { outTradeNo, c } = await created('native');
    expect(c.action.kind).toBe('qr');
    await fake.pay(outTradeNo);
    const [n] = await rx.waitFor(1);
    expect(n).toMatchObject({
      kind: 'payment',
      provider: 'wechat',
      outTradeNo,
      amount: 12_300,
      currency: 'CNY',
      status: 'succeeded',
      merchantId: fake.merchant.mchid,
      appId: fake.merchant.appid,
    });
    expect(fake.deliveries.at(-1)).toMatchObject({ ref: outTradeNo, status: 204 });
  });

  it('JSAPI: the merchant-signed wx.requestPayment arguments verify at the provider', async () => {
    const { outTradeNo, c } = await created('jsapi');
    if (c.action.kind !== 'jsapi') throw new Error('expected jsapi params');
    await fake.payJsapi(c.action.params);
    expect((await rx.waitFor(1))[0]).toMatchObject({ outTradeNo, status: 'succeeded' });
    await expect(fake.payJsapi({ ...c.action.params, paySign: 'AAAA' })).rejects.toThrow();
  });

  it('H5: a redirect to the provider with our return URL', async () => {
    const { c } = await created('h5');
    expect(c.action.kind).toBe('redirect');
    if (c.action.kind === 'redirect')
      expect(c.action.url).toContain('redirect_url=https%3A%2F%2Fscenic.example');
  });

  it('a lost notification: only the query finds the payment', async () => {
    const { outTradeNo } = await created();
    expect(await gw.queryPayment(outTradeNo)).toMatchObject({ status: 'pending', providerStatus: 'NOTPAY' });
    await fake.pay(outTradeNo, { mode: 'lose' });
    const q = await gw.queryPayment(outTradeNo);
    expect(q).toMatchObject({ status: 'succeeded', amount: 12_300, merchantId: fake.merchant.mchid });
    expect(rx.notices).toHaveLength(0);
    expect(await gw.queryPayment(outTradeNoOf(uuidv7()))).toMatchObject({ status: 'not_found' });
  });

  it('close: an unpaid payment closes and can no longer be paid; a paid one answers paid', async () => {
    const { outTradeNo } = await created();
    expect(await gw.closePayment(outTradeNo)).toBe('closed');
    expect(await gw.queryPayment(outTradeNo)).toMatchObject({ status: 'closed' });
    await expect(fake.pay(outTradeNo)).rejects.toThrow(/CLOSED/);
    const paid = await created();
    await fake.pay(paid.outTradeNo, { mode: 'lose' });
    expect(await gw.closePayment(paid.outTradeNo)).toBe('paid');
  });

  it('refund: accepted, settles, notifies, and sending it again is idempotent', async () => {
    const { outTradeNo } = await created();
    await fake.pay(outTradeNo, { mode: 'lose' });
    const req = {
      outTradeNo,
      outRefundNo: outRefundNoOf(uuidv7()),
      amount: 2_300,
      paymentAmount: 12_300,
      currency: 'CNY' as const,
      notifyUrl: rx.url,
    };
    const first = await gw.refund(req);
    expect(first).toMatchObject({ status: 'pending', providerStatus: 'PROCESSING', amount: 2_300 });
    const settled = await eventually(
      () => gw.queryRefund(req),
      (r) => r.status === 'succeeded',
    );
    expect(settled).toMatchObject({ status: 'succeeded', amount: 2_300 });
    expect((await rx.waitFor(1))[0]).toMatchObject({
      kind: 'refund',
      outRefundNo: req.outRefundNo,
      amount: 2_300,
      status: 'succeeded',
    });
    const again = await gw.refund(req);
    expect(again).toMatchObject({ status: 'succeeded', providerRefundRef: first.providerRefundRef });
    expect(await gw.queryPayment(outTradeNo)).toMatchObject({ status: 'refunded' });
  });

  it('refund failure, retried: refused twice for the balance, then accepted', async () => {
    const { outTradeNo } = await created();
    await fake.pay(outTradeNo, { mode: 'lose' });
    const req = {
      outTradeNo,
      outRefundNo: outRefundNoOf(uuidv7()),
      amount: 12_300,
      paymentAmount: 12_300,
      currency: 'CNY' as const,
    };
    fake.failRefunds(2);
    for (let i = 0; i < 2; i++)
      expect(await gw.refund(req)).toMatchObject({
        status: 'failed',
        failureCode: 'NOT_ENOUGH',
        retryable: true,
      });
    expect(await gw.refund(req)).toMatchObject({ status: 'pending' });
    expect(
      await eventually(
        () => gw.queryRefund(req),
        (r) => r.status === 'succeeded',
      ),
    ).toMatchObject({ status: 'succeeded' });
  });

  it('refund that ends ABNORMAL: the same number answers ABNORMAL again, 发起异常退款 moves it; an unknown refund is not_found', async () => {
    const { outTradeNo } = await created();
    await fake.pay(outTradeNo, { mode: 'lose' });
    fake.refundOutcome = 'ABNORMAL';
    try {
      const req = {
        outTradeNo,
        outRefundNo: outRefundNoOf(uuidv7()),
        amount: 100,
        paymentAmount: 12_300,
        currency: 'CNY' as const,
      };
      await gw.refund(req);
      const abnormal = await eventually(
        () => gw.queryRefund(req),
        (r) => r.status !== 'pending',
      );
      expect(abnormal).toMatchObject({ status: 'abnormal', providerStatus: 'ABNORMAL' });
      // re-sending the refund under its number is idempotent: it only answers ABNORMAL again
      expect(await gw.refund(req)).toMatchObject({ status: 'abnormal' });
      const providerRefundRef = (abnormal as RefundState).providerRefundRef!;
      const applied = await gw.applyAbnormalRefund!({ ...req, providerRefundRef, to: 'merchant_bank_card' });
      expect(applied).toMatchObject({ status: 'pending', providerStatus: 'PROCESSING' });
      expect(fake.abnormalApplications).toContainEqual({
        refundId: providerRefundRef,
        type: 'MERCHANT_BANK_CARD',
      });
      expect(
        await eventually(
          () => gw.queryRefund(req),
          (r) => r.status !== 'pending',
        ),
      ).toMatchObject({ status: 'succeeded' });
      // only an ABNORMAL refund can be moved
      expect(
        await gw.applyAbnormalRefund!({ ...req, providerRefundRef, to: 'merchant_bank_card' }),
      ).toMatchObject({ status: 'failed', failureCode: 'INVALID_REQUEST', retryable: false });
    } finally {
      fake.refundOutcome = 'SUCCESS';
    }
    expect(await gw.queryRefund({ outTradeNo, outRefundNo: outRefundNoOf(uuidv7()) })).toMatchObject({
      status: 'not_found',
    });
  });

  it('duplicated and reordered notifications arrive as the provider sends them', async () => {
    const { outTradeNo } = await created();
    await fake.pay(outTradeNo, { duplicate: 1 });
    const [a, b] = await rx.waitFor(2);
    expect(a).toEqual(b); // the same notification twice: the books must be idempotent
    rx.notices.length = 0;
    const second = await created();
    await fake.pay(second.outTradeNo, { mode: 'hold' });
    fake.refundPlan = { mode: 'hold' };
    try {
      const req = {
        outTradeNo: second.outTradeNo,
        outRefundNo: outRefundNoOf(uuidv7()),
        amount: 100,
        paymentAmount: 12_300,
        currency: 'CNY' as const,
        notifyUrl: rx.url,
      };
      await gw.refund(req);
      await eventually(
        () => Promise.resolve(fake.notifier.heldCount),
        (n) => n === 2,
      );
      await fake.notifier.releaseHeld({ reverse: true });
    } finally {
      fake.refundPlan = {};
    }
    expect((await rx.waitFor(2)).map((n) => n.kind)).toEqual(['refund', 'payment']);
  });

  it.each([
    ['signed with another key', 'foreign-key'],
    ['with a broken signature', 'signature'],
  ] as const)('a notification %s is refused, and the provider keeps retrying', async (_name, tamper) => {
    const { outTradeNo } = await created();
    const deliveries = await fake.pay(outTradeNo, { tamper });
    expect(rx.notices).toHaveLength(0);
    expect(rx.refused).toEqual(['bad_notification_signature', 'bad_notification_signature']);
    expect(deliveries.map((d) => d.status)).toEqual([500, 500]);
  });

  it('a validly signed notification with another amount verifies: binding it to the books is the caller’s check', async () => {
    const { outTradeNo } = await created();
    await fake.pay(outTradeNo, { tamper: 'amount' });
    expect((await rx.waitFor(1))[0]).toMatchObject({ outTradeNo, amount: 12_301 });
  });

  it('the daily statement downloads, matches its hash and parses into payments, refunds and fees', async () => {
    const { outTradeNo } = await created('native', 10_000);
    await fake.pay(outTradeNo, { mode: 'lose' });
    const req = {
      outTradeNo,
      outRefundNo: outRefundNoOf(uuidv7()),
      amount: 4_000,
      paymentAmount: 10_000,
      currency: 'CNY' as const,
    };
    await gw.refund(req);
    await eventually(
      () => gw.queryRefund(req),
      (r) => r.status === 'succeeded',
    );
    const s = await gw.fetchStatement(today());
    const mine = s.lines.filter((l) => l.outTradeNo === outTradeNo);
    expect(mine.map((l) => [l.kind, l.amount, l.outRefundNo])).toEqual([
      ['payment', 10_000, null],
      ['fee', 60, null],
      ['refund', 4_000, req.outRefundNo],
      ['fee', -24, req.outRefundNo],
    ]);
    expect(s.totals.paymentCount).toBe(s.lines.filter((l) => l.kind === 'payment').length);
  });

  it('answers and requests signed with any other key are refused', async () => {
    const { outTradeNo } = await created();
    const wrongPlatform = build({ ...fake.env(), SCENIC_WECHAT_PLATFORM_PUBLIC_KEY: rsaPair().publicKeyPem });
    await expect(wrongPlatform.queryPayment(outTradeNo)).rejects.toMatchObject({
      code: 'provider_answer_unverified',
      kind: 'unavailable',
    });
    const wrongMerchant = build({
      ...fake.env(),
      SCENIC_WECHAT_MERCHANT_PRIVATE_KEY: rsaPair().privateKeyPem,
    });
    await expect(wrongMerchant.queryPayment(outTradeNo)).rejects.toMatchObject({
      code: 'provider_refused_signature',
      kind: 'authentication',
    });
  });
});
