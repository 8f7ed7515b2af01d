import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.js';
import { uuidv7 } from '../../core/ids.js';
import { loadPaymentProviders } from '../../core/payments/config.js';
import {
  outRefundNoOf,
  outTradeNoOf,
  type PaymentScene,
  type ProviderGateway,
} from '../../core/payments/gateway.js';
import { startAlipayFake, type AlipayFake } from '../../fakes/alipay.js';
import { rsaPair } from '../../fakes/kit/keys.js';
import { startReceiver, today, type Receiver } from './receiver.js';

/** The Alipay adapter (through alipay-sdk) against the protocol-faithful fake, over HTTP. */
let fake: AlipayFake;
let gw: ProviderGateway;
let rx: Receiver;

const build = (env: Record<string, string>) =>
  loadPaymentProviders(
    { SCENIC_PAYMENT_PROVIDERS: 'alipay', SCENIC_ALLOW_FAKE_GATEWAY: '1', ...env },
    systemClock,
  ).get('alipay')!;

beforeAll(async () => {
  fake = await startAlipayFake();
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

async function created(scene: PaymentScene = 'precreate', amount = 8_800) {
  const outTradeNo = outTradeNoOf(uuidv7());
  const c = await gw.createPayment({
    outTradeNo,
    amount,
    currency: 'CNY',
    description: 'Scenic tickets 西湖 2026-12-02',
    notifyUrl: rx.url,
    expiresAt: new Date(Date.now() + 15 * 60_000),
    scene,
    returnUrl: 'https://scenic.example/orders/1',
  });
  return { outTradeNo, c };
}

const refundOf = (outTradeNo: string, amount: number) => ({
  outTradeNo,
  outRefundNo: outRefundNoOf(uuidv7()),
  amount,
  paymentAmount: 8_800,
  currency: 'CNY' as const,
});

describe('Alipay adapter against the fake', () => {
  it('precreate: QR → pay → the notification verifies and names our trade; the ack is `success`', async () => {
    const { outTradeNo, c } = await created();
    expect(c.action).toMatchObject({ kind: 'qr' });
    await fake.pay(outTradeNo);
    expect((await rx.waitFor(1))[0]).toMatchObject({
      kind: 'payment',
      provider: 'alipay',
      outTradeNo,
      amount: 8_800,
      status: 'succeeded',
      providerStatus: 'TRADE_SUCCESS',
      merchantId: fake.app.sellerId,
      appId: fake.app.appId,
    });
    expect(fake.deliveries.at(-1)).toMatchObject({ ref: outTradeNo, status: 200, answer: 'success' });
  });

  it.each(['wap', 'page'] as const)(
    '%s: the signed gateway URL opens the pay page; a tampered one is refused',
    async (scene) => {
      const { outTradeNo, c } = await created(scene);
      if (c.action.kind !== 'redirect') throw new Error('expected a redirect');
      const page = await fetch(c.action.url);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('88.00');
      const forged = await fetch(c.action.url.replace('88.00', '0.01'));
      expect(forged.status).toBe(400);
      await fake.pay(outTradeNo);
      expect((await rx.waitFor(1))[0]).toMatchObject({ outTradeNo, status: 'succeeded' });
    },
  );

  it('a lost notification: only the query finds the payment (and no trade exists before the scan)', async () => {
    const { outTradeNo } = await created();
    expect(await gw.queryPayment(outTradeNo)).toMatchObject({ status: 'not_found' });
    fake.scan(outTradeNo);
    expect(await gw.queryPayment(outTradeNo)).toMatchObject({
      status: 'pending',
      providerStatus: 'WAIT_BUYER_PAY',
    });
    await fake.pay(outTradeNo, { mode: 'lose' });
    expect(await gw.queryPayment(outTradeNo)).toMatchObject({ status: 'succeeded', amount: 8_800 });
    expect(rx.notices).toHaveLength(0);
  });

  it('close: before the scan not_found, after it closed, once paid paid', async () => {
    const a = await created();
    expect(await gw.closePayment(a.outTradeNo)).toBe('not_found');
    fake.scan(a.outTradeNo);
    expect(await gw.closePayment(a.outTradeNo)).toBe('closed');
    await expect(fake.pay(a.outTradeNo)).rejects.toThrow(/TRADE_CLOSED/);
    const b = await created();
    await fake.pay(b.outTradeNo, { mode: 'lose' });
    expect(await gw.closePayment(b.outTradeNo)).toBe('paid');
  });

  it('refund: succeeds at once, is notified, and sending it again is idempotent', async () => {
    const { outTradeNo } = await created();
    await fake.pay(outTradeNo, { mode: 'lose' });
    const req = refundOf(outTradeNo, 3_000);
    expect(await gw.refund(req)).toMatchObject({ status: 'succeeded', amount: 3_000 });
    expect((await rx.waitFor(1))[0]).toMatchObject({
      kind: 'refund',
      outRefundNo: req.outRefundNo,
      refundedTotal: 3_000,
      amount: null,
    });
    expect(await gw.refund(req)).toMatchObject({ status: 'succeeded', amount: 3_000 });
    expect(fake.refunds.size).toBeGreaterThan(0);
    expect([...fake.refunds.values()].filter((r) => r.out_request_no === req.outRefundNo)).toHaveLength(1);
    expect(await gw.queryRefund(req)).toMatchObject({ status: 'succeeded', amount: 3_000 });
    expect(await gw.queryRefund(refundOf(outTradeNo, 1))).toMatchObject({ status: 'not_found' });
  });

  it('refund failure, retried: refused twice for the balance, then through; a system error is retryable', async () => {
    const { outTradeNo } = await created();
    await fake.pay(outTradeNo, { mode: 'lose' });
    const req = refundOf(outTradeNo, 8_800);
    fake.failRefunds(2);
    for (let i = 0; i < 2; i++)
      expect(await gw.refund(req)).toMatchObject({
        status: 'failed',
        failureCode: 'ACQ.SELLER_BALANCE_NOT_ENOUGH',
        retryable: true,
      });
    expect(await gw.refund(req)).toMatchObject({ status: 'succeeded' });
    expect(await gw.queryPayment(outTradeNo)).toMatchObject({
      status: 'refunded',
      providerStatus: 'TRADE_CLOSED',
    });
    const other = await created();
    await fake.pay(other.outTradeNo, { mode: 'lose' });
    fake.failRefunds(1, 'ACQ.SYSTEM_ERROR');
    await expect(gw.refund(refundOf(other.outTradeNo, 100))).rejects.toMatchObject({
      code: 'provider_unreachable',
      kind: 'unavailable',
    });
  });

  it('duplicated, stale and refused notifications arrive as sent', async () => {
    const { outTradeNo } = await created();
    await fake.pay(outTradeNo, { duplicate: 1 });
    await fake.notify(outTradeNo, 'WAIT_BUYER_PAY'); // a stale status after the newer one
    const got = await rx.waitFor(3);
    expect(got.map((n) => n.kind === 'payment' && n.status)).toEqual(['succeeded', 'succeeded', 'pending']);
    expect(got[0]!.notifyId).toBe(got[1]!.notifyId);
    rx.notices.length = 0;
    const refused = await created();
    await fake.refuse(refused.outTradeNo);
    expect((await rx.waitFor(1))[0]).toMatchObject({ kind: 'payment', status: 'closed' });
  });

  it.each([
    ['signed with another key', 'foreign-key'],
    ['with a broken signature', 'signature'],
  ] as const)('a notification %s is refused, and Alipay keeps retrying', async (_name, tamper) => {
    const { outTradeNo } = await created();
    const deliveries = await fake.pay(outTradeNo, { tamper });
    expect(rx.notices).toHaveLength(0);
    expect(rx.refused).toEqual(['bad_notification_signature', 'bad_notification_signature']);
    expect(deliveries.map((d) => d.answer)).toEqual(['fail', 'fail']);
  });

  it('a validly signed notification with another amount verifies: binding it to the books is the caller’s check', async () => {
    const { outTradeNo } = await created();
    await fake.pay(outTradeNo, { tamper: 'amount' });
    expect((await rx.waitFor(1))[0]).toMatchObject({ outTradeNo, amount: 8_801 });
  });

  it('the daily bill: a zip of GBK CSV files, parsed into payments, refunds and fees', async () => {
    const { outTradeNo } = await created('precreate', 10_000);
    await fake.pay(outTradeNo, { mode: 'lose' });
    const req = { ...refundOf(outTradeNo, 4_000), paymentAmount: 10_000 };
    await gw.refund(req);
    const s = await gw.fetchStatement(today());
    const mine = s.lines.filter((l) => l.outTradeNo === outTradeNo);
    expect(mine.map((l) => [l.kind, l.amount, l.outRefundNo])).toEqual([
      ['payment', 10_000, null],
      ['fee', 60, null],
      ['refund', 4_000, req.outRefundNo],
      ['fee', -24, req.outRefundNo],
    ]);
    expect(mine.every((l) => l.merchantId === fake.app.sellerId)).toBe(true);
  });

  it('answers and requests signed with any other key are refused', async () => {
    const { outTradeNo } = await created();
    const wrongAlipayKey = build({ ...fake.env(), SCENIC_ALIPAY_PUBLIC_KEY: rsaPair().publicKeyPem });
    await expect(wrongAlipayKey.queryPayment(outTradeNo)).rejects.toMatchObject({
      code: 'provider_answer_unverified',
    });
    const wrongAppKey = build({ ...fake.env(), SCENIC_ALIPAY_APP_PRIVATE_KEY: rsaPair().privateKeyPem });
    await expect(wrongAppKey.queryPayment(outTradeNo)).rejects.toMatchObject({
      code: 'provider_refused_signature',
      kind: 'authentication',
    });
  });
});
