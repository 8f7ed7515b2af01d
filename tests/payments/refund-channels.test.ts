import { beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { useApi, residentId } from '../support/platform.js';
import { demoArea } from '../../core/catalog/demo.js';
import { addDays, localParts } from '../../core/time.js';
import { systemActor } from '../../core/orders/model.js';
import { recordOfflinePayment, type OfflineMethod } from '../../core/orders/payment.js';
import { dueRefunds, refundSamples, sendRefund, settleCounterRefund } from '../../core/orders/refunds.js';
import { outRefundNoOf } from '../../core/payments/gateway.js';

const D = addDays(localParts(new Date(), 'Asia/Shanghai').date, 2);
type Body = Record<string, unknown>;
let person = 0;

/**
 * Issue 17 item 17, "money left stranded": refunds go back through the channel that took
 * the money, a failed refund is never silently final, and refunds that keep failing do not
 * keep the others from being sent. (The wrong-amount callback is in money-path.test.ts.)
 */
describe('17.17 money left stranded', () => {
  const api = useApi({ app: { rateLimits: false } });
  beforeAll(async () => {
    await api.seed(
      demoArea({
        id: 'stranded',
        dailyCapacity: 200,
        slots: [{ id: '0900', startsAt: '09:00', endsAt: '10:00', capacity: 100 }],
        quotas: [],
      }),
    );
  });

  const hold = async () => {
    const o = await api.call('POST', '/v1/orders', {
      headers: { 'idempotency-key': randomUUID() },
      body: {
        areaId: 'stranded',
        date: D,
        slotId: '0900',
        items: [
          { productId: 'adult', visitors: [{ name: 'P', idNumber: residentId('19800808', person++) }] },
        ],
      },
    });
    expect(o.status).toBe(201);
    return o.body as { id: string; accessToken: string; amountTotal: number };
  };
  const paidOnline = async () => {
    const o = await hold();
    const p = await api.call('POST', `/v1/orders/${o.id}/payments`, {
      headers: { 'x-order-token': o.accessToken },
      body: { provider: 'wechat', device: 'desktop' },
    });
    expect(p.status).toBe(201);
    expect((await api.pay(o.id)).at(-1)?.status).toBe(204);
    return o;
  };
  const visitorRefund = async (o: { id: string; accessToken: string }) => {
    const rf = await api.call('POST', `/v1/orders/${o.id}/refunds`, {
      headers: { 'x-order-token': o.accessToken, 'idempotency-key': randomUUID() },
      body: { reason: 'weather' },
    });
    expect(rf.status).toBe(201);
    return (await api.platform
      .db('refunds')
      .where({ id: (rf.body.refund as Body).id as string })
      .first())!;
  };
  const providerRefunds = () => api.wechat.refunds.size + api.alipay.refunds.size;

  it.each<[OfflineMethod, string, string]>([
    ['cash', 'counter', 'awaiting_counter'],
    ['card', 'counter', 'awaiting_counter'],
    ['account', 'partner', 'succeeded'],
  ])(
    '17.17 a visitor-path refund of a %s order goes back the way it was paid, never to a provider',
    async (method, route, status) => {
      const o = await hold();
      await recordOfflinePayment(api.platform.orders, systemActor('test-cashier'), o.id, method, {});
      const before = providerRefunds();
      const r = await visitorRefund(o);
      expect(r).toMatchObject({ method: route, status, amount: o.amountTotal, provider: null });
      if (method === 'account') expect(r.settled_by).toBe('partner-settlement');
      expect(providerRefunds()).toBe(before);
    },
  );

  const admin = () => ({ authorization: `Bearer ${api.adminKey}` });
  /** the retry job's turns, each as soon as the backoff allows, until the refund is final */
  const untilFinal = (id: string) =>
    expect.poll(
      async () => {
        await api.platform
          .db('refunds')
          .where({ id })
          .whereIn('status', ['pending', 'processing'])
          .update({ next_attempt_at: null });
        return sendRefund(api.platform.orders, id);
      },
      { timeout: 15_000, interval: 50 },
    );
  const failedCount = async () =>
    (await refundSamples(api.platform.db, new Date())).find(
      (s) =>
        s.name === 'scenic_refunds_outstanding' &&
        s.labels.method === 'provider' &&
        s.labels.state === 'failed',
    )?.value;

  const counterOwed = async () =>
    (await refundSamples(api.platform.db, new Date())).find(
      (s) =>
        s.name === 'scenic_refunds_outstanding' &&
        s.labels.method === 'provider' &&
        s.labels.state === 'awaiting_counter',
    )?.value;

  it("17.17 a refund the payer's account refuses (ABNORMAL) takes WeChat's documented way out: the merchant's bank account, then the counter", async () => {
    const o = await paidOnline();
    api.wechat.refundOutcome = 'ABNORMAL'; // accepted, then the payer's account refuses it
    const applications = api.wechat.abnormalApplications.length;
    try {
      const r = await visitorRefund(o);
      await untilFinal(r.id).toBe('awaiting_counter');
      const wx = api.wechat.refunds.get(outRefundNoOf(r.id))!;
      // one 发起异常退款 for it, to the merchant's bank account; the same number was never re-used for a new refund
      expect(api.wechat.abnormalApplications.slice(applications)).toEqual([
        { refundId: wx.refund_id, type: 'MERCHANT_BANK_CARD' },
      ]);
      expect(wx.status).toBe('SUCCESS');
      const row = (await api.platform.db('refunds').where({ id: r.id }).first())!;
      expect(row).toMatchObject({
        method: 'provider',
        abnormal_route: 'merchant_bank_card',
        settled_at: null,
      });
      expect(row.abnormal_at).not.toBeNull();
      expect(row.provider_settled_at).not.toBeNull();
      expect(await counterOwed()).toBe(1);
      // owed at the counter, never silently final: a cashier hands it back
      const queue = await api.call('GET', '/v1/admin/refunds?status=awaiting_counter', { headers: admin() });
      expect((queue.body.items as Body[]).map((i) => i.id)).toContain(r.id);
      expect(await sendRefund(api.platform.orders, r.id)).toBe('awaiting_counter'); // nothing more to send
      expect(api.wechat.abnormalApplications.length).toBe(applications + 1);
      await settleCounterRefund(api.platform.orders, systemActor('test-cashier'), r.id, {
        reference: 'cash',
      });
      expect((await api.platform.db('refunds').where({ id: r.id }).first())!.status).toBe('succeeded');
      expect((await api.platform.db('payments').where({ order_id: o.id }).first())!.status).toBe('refunded');
      expect(await counterOwed()).toBe(0);
    } finally {
      api.wechat.refundOutcome = 'SUCCESS';
    }
  });

  it('17.17 an ABNORMAL refund whose way out is refused is failed (alerted); the admin retry asks again, never a new refund', async () => {
    const o = await paidOnline();
    api.wechat.refundOutcome = 'ABNORMAL';
    try {
      api.wechat.failAbnormalApplications(1); // WeChat refuses the first 发起异常退款
      const r = await visitorRefund(o);
      await untilFinal(r.id).toBe('failed');
      expect(await failedCount()).toBe(1);
      expect(api.wechat.refunds.get(outRefundNoOf(r.id))!.status).toBe('ABNORMAL');
      const before = api.wechat.refunds.size;
      const retried = await api.call('POST', `/v1/admin/refunds/${r.id}/retry`, { headers: admin() });
      expect(retried.status).toBe(200);
      await untilFinal(r.id).toBe('awaiting_counter');
      expect(api.wechat.refunds.size).toBe(before); // the same refund, moved; no second refund
    } finally {
      api.wechat.refundOutcome = 'SUCCESS';
    }
  });

  it('17.17 senders racing for one ABNORMAL refund (duplicate notices, polls) ask WeChat one at a time: a refused way out is failed, never moved behind its back', async () => {
    const o = await paidOnline();
    api.wechat.refundOutcome = 'ABNORMAL';
    api.wechat.refundPlan = { mode: 'lose' }; // no notice: the race below is the only sender
    try {
      api.wechat.failAbnormalApplications(1);
      const r = await visitorRefund(o);
      await expect.poll(() => api.wechat.refunds.get(outRefundNoOf(r.id))?.status).toBe('ABNORMAL');
      const applications = api.wechat.abnormalApplications.length;
      // each turn is what a notice does: the refund made due now, then sent
      const turn = async () => {
        await api.platform
          .db('refunds')
          .where({ id: r.id })
          .whereIn('status', ['pending', 'processing'])
          .update({ next_attempt_at: null });
        return sendRefund(api.platform.orders, r.id);
      };
      // started a few ms apart, so some ask while the first sender is waiting for WeChat's answer
      const turns: Promise<string>[] = [];
      for (let i = 0; i < 40; i++) {
        turns.push(turn());
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const answers = await Promise.all(turns);
      expect(answers).toContain('failed');
      expect((await api.platform.db('refunds').where({ id: r.id }).first())!.status).toBe('failed');
      // the one refused application was the only one: WeChat still holds it ABNORMAL
      expect(api.wechat.abnormalApplications.length).toBe(applications);
      expect(api.wechat.refunds.get(outRefundNoOf(r.id))!.status).toBe('ABNORMAL');
    } finally {
      api.wechat.refundOutcome = 'SUCCESS';
      api.wechat.refundPlan = {};
    }
  });

  it('17.17 a refund refused until out of attempts is failed (backoff, counted); an admin sends it again', async () => {
    const o = await paidOnline();
    api.wechat.failRefunds(api.platform.orders.refundMaxAttempts, 'NOT_ENOUGH'); // the balance is short
    const r = await visitorRefund(o);
    await untilFinal(r.id).toBe('failed');
    const row = (await api.platform.db('refunds').where({ id: r.id }).first())!;
    expect(row.attempts).toBe(api.platform.orders.refundMaxAttempts);
    expect(api.wechat.refunds.get(outRefundNoOf(r.id))).toBeUndefined(); // no money went back
    // the balance is topped up: the admin sends it again, and it goes through
    const retried = await api.call('POST', `/v1/admin/refunds/${r.id}/retry`, { headers: admin() });
    expect(retried.status).toBe(200);
    await untilFinal(r.id).toBe('succeeded');
    expect(api.wechat.refunds.get(outRefundNoOf(r.id))).toBeDefined();
  });

  it('17.17 refunds that keep failing wait their turn: a refund due now is sent before older stuck ones', async () => {
    const orders = [await paidOnline(), await paidOnline(), await paidOnline(), await paidOnline()];
    api.wechat.failRefunds(4, 'SYSTEM_ERROR'); // every first attempt refused: each backs off
    const refunds = [];
    for (const o of orders) refunds.push(await visitorRefund(o));
    for (const r of refunds) {
      const row = (await api.platform.db('refunds').where({ id: r.id }).first())!;
      expect(row.status).toBe('pending');
      expect(row.next_attempt_at!.getTime()).toBeGreaterThan(Date.now());
    }
    const youngest = refunds.at(-1)!;
    // the youngest refund's backoff is over; the three older ones are still waiting
    await api.platform
      .db('refunds')
      .where({ id: youngest.id })
      .update({ next_attempt_at: new Date(Date.now() - 1000) });
    const due = await dueRefunds(api.platform.orders, 1);
    expect(due).toEqual([youngest.id]);
    expect(await sendRefund(api.platform.orders, youngest.id)).not.toBe('failed');
    expect(api.wechat.refunds.get(outRefundNoOf(youngest.id))).toBeDefined();
  });
});
