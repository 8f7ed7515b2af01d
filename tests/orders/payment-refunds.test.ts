import { beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { useApi, residentId } from '../support/platform.js';
import { demoArea } from '../../core/catalog/demo.js';
import { addDays, localParts } from '../../core/time.js';
import { sendRefund } from '../../core/orders/refunds.js';
import { outRefundNoOf, outTradeNoOf } from '../../core/payments/gateway.js';

const D = addDays(localParts(new Date(), 'Asia/Shanghai').date, 2);
let person = 0;

/**
 * A second payment of a paid order is given back from that payment, through the provider
 * that took it, and the refund is booked with the payment in one transaction: a refund
 * the provider refused first (or that a crash left unsent) is pending, and sending it
 * again gives the money back once.
 */
describe('payments that must be given back', () => {
  const api = useApi({ app: { rateLimits: false } });
  beforeAll(async () => {
    await api.seed(
      demoArea({
        id: 'twice',
        dailyCapacity: 100,
        slots: [{ id: '0900', startsAt: '09:00', endsAt: '10:00', capacity: 10 }],
        quotas: [],
      }),
    );
  });

  it('gives back a second payment of a paid order, from that payment, through its provider', async () => {
    const o = await api.call('POST', '/v1/orders', {
      headers: { 'idempotency-key': randomUUID() },
      body: {
        areaId: 'twice',
        date: D,
        slotId: '0900',
        items: [
          { productId: 'adult', visitors: [{ name: 'P', idNumber: residentId('19800808', person++) }] },
        ],
      },
    });
    expect(o.status).toBe(201);
    const { id, accessToken, amountTotal } = o.body as {
      id: string;
      accessToken: string;
      amountTotal: number;
    };
    // the payer opens WeChat Pay, then Alipay, and pays both
    const start = async (provider: 'wechat' | 'alipay') => {
      const p = await api.call('POST', `/v1/orders/${id}/payments`, {
        headers: { 'x-order-token': accessToken },
        body: { provider, device: 'desktop' },
      });
      expect(p.status).toBe(201);
      return p.body.paymentId as string;
    };
    const wx = await start('wechat');
    const ali = await start('alipay');
    expect((await api.wechat.pay(outTradeNoOf(wx))).at(-1)?.status).toBe(204);
    expect((await api.platform.db('orders').where({ id }).first())?.status).toBe('issued');

    api.alipay.failRefunds(1, 'ACQ.SYSTEM_ERROR'); // Alipay refuses the first attempt
    await api.pay(id); // the newest payment: Alipay's
    const refunds = await api.platform.db('refunds').where({ order_id: id });
    expect(refunds).toEqual([
      expect.objectContaining({
        payment_id: ali,
        reason_code: 'duplicate_payment',
        method: 'provider',
        provider: 'alipay',
        amount: amountTotal,
      }),
    ]);
    const refundId = refunds[0]!.id;
    expect(refunds[0]!.status).not.toBe('succeeded');
    expect(api.alipay.refunds.get(outRefundNoOf(refundId))).toBeUndefined();

    // the retry job's turn (the backoff has passed): that row, from the second payment
    await api.platform.db('refunds').where({ id: refundId }).update({ next_attempt_at: null });
    expect(await sendRefund(api.platform.orders, refundId)).toBe('succeeded');
    expect(api.alipay.refunds.get(outRefundNoOf(refundId))).toMatchObject({
      out_trade_no: outTradeNoOf(ali),
      amount: amountTotal,
    });
    expect(await sendRefund(api.platform.orders, refundId)).toBe('succeeded'); // once only
    expect([...api.alipay.refunds.values()].filter((r) => r.out_trade_no === outTradeNoOf(ali))).toHaveLength(
      1,
    );
    const status = async (pid: string) =>
      (await api.platform.db('payments').where({ id: pid }).first())?.status;
    expect(await status(wx)).toBe('succeeded');
    expect(await status(ali)).toBe('refunded');
    expect([...api.wechat.refunds.values()]).toHaveLength(0); // nothing went back from the sale's payment
  });
});
