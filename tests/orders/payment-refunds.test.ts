import { beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { useApi, residentId } from '../support/platform.js';
import { demoArea } from '../../core/catalog/demo.js';
import { addDays, localParts } from '../../core/time.js';
import { endHold, sendRefund } from '../../core/orders/lifecycle.js';
import { recordPayment } from '../../core/orders/payment.js';

const D = addDays(localParts(new Date(), 'Asia/Shanghai').date, 2);
let person = 0;

/**
 * Money that arrives for no sale goes back, and the refund is booked with the payment
 * in one transaction (so a crash before the gateway call leaves a pending refund the
 * retry job sends, never nothing): paid after the hold lapsed and the stock was sold,
 * and paid twice.
 */
describe('payments that must be given back', () => {
  const api = useApi({ app: { rateLimits: false } });
  beforeAll(async () => {
    await api.seed(
      demoArea({
        id: 'one-seat',
        dailyCapacity: 100,
        slots: [{ id: '0900', startsAt: '09:00', endsAt: '10:00', capacity: 1 }],
        quotas: [],
      }),
    );
  });
  const hold = async () => {
    const o = await api.call('POST', '/v1/orders', {
      headers: { 'idempotency-key': randomUUID() },
      body: {
        areaId: 'one-seat',
        date: D,
        slotId: '0900',
        items: [
          { productId: 'adult', visitors: [{ name: 'P', idNumber: residentId('19800808', person++) }] },
        ],
      },
    });
    expect(o.status).toBe(201);
    return o.body as { id: string; amountTotal: number };
  };
  const refundsOf = (orderId: string) =>
    api.platform
      .db('refunds')
      .where({ order_id: orderId })
      .select<
        { id: string; payment_id: string | null; reason_code: string; status: string; amount: number }[]
      >();

  it('refunds a payment that arrives after the hold lapsed and the seat was sold to someone else', async () => {
    const late = await hold();
    await api.platform
      .db('orders')
      .where({ id: late.id })
      .update({ expires_at: new Date(Date.now() - 1_000) });
    expect(await endHold(api.platform.orders, late.id, 'expired')).toBe(true);
    const other = await hold(); // takes the only seat
    expect(other.id).not.toBe(late.id);

    const providerRef = `late-${randomUUID()}`;
    const r = await recordPayment(api.platform.orders, {
      providerRef,
      orderId: late.id,
      amount: late.amountTotal,
      status: 'succeeded',
      raw: {},
    });
    expect(r.outcome).toBe('refund_required');
    expect(r.order.status).not.toBe('issued');
    const pay = await api.platform
      .db('payments')
      .where({ provider_ref: providerRef })
      .first<{ id: string; status: string }>();
    expect(await refundsOf(late.id)).toEqual([
      expect.objectContaining({
        payment_id: pay.id,
        reason_code: 'stock_unavailable',
        status: 'succeeded',
        amount: late.amountTotal,
      }),
    ]);
    expect(pay.status).toBe('refunded');
    expect(api.gateway.refunds.filter((x) => x.providerRef === providerRef)).toHaveLength(1);
    expect((await api.platform.inventory.snapshot('one-seat', D)).used).toBe(1); // still only the other buyer's seat

    // the provider calls back again: nothing more is refunded
    const again = await recordPayment(api.platform.orders, {
      providerRef,
      orderId: late.id,
      amount: late.amountTotal,
      status: 'succeeded',
      raw: {},
    });
    expect(again.outcome).toBe('already_issued');
    expect(await refundsOf(late.id)).toHaveLength(1);
    await endHold(api.platform.orders, other.id, 'cancelled');
  });

  it('gives back a second payment of a paid order, from that payment, and a booked refund can always be sent again', async () => {
    const o = await hold();
    const first = `first-${randomUUID()}`;
    const second = `second-${randomUUID()}`;
    expect(
      (
        await recordPayment(api.platform.orders, {
          providerRef: first,
          orderId: o.id,
          amount: o.amountTotal,
          status: 'succeeded',
          raw: {},
        })
      ).outcome,
    ).toBe('issued');
    api.gateway.failRefunds = true; // the gateway refuses: the refund is booked all the same
    const r = await recordPayment(api.platform.orders, {
      providerRef: second,
      orderId: o.id,
      amount: o.amountTotal,
      status: 'succeeded',
      raw: {},
    });
    api.gateway.failRefunds = false;
    expect(r.outcome).toBe('refund_required');
    expect(r.order.status).toBe('issued');
    const pay2 = await api.platform.db('payments').where({ provider_ref: second }).first<{ id: string }>();
    const [booked] = await refundsOf(o.id);
    expect(booked).toMatchObject({ payment_id: pay2.id, reason_code: 'duplicate_payment' });

    // a booked refund that was never sent (the process died after the commit) is pending:
    // the retry job sends exactly that row, from the second payment
    await api.platform.db('refunds').where({ id: booked!.id }).update({ status: 'pending' });
    expect(await sendRefund(api.platform.orders, booked!.id)).toBe('succeeded');
    expect(api.gateway.refunds.filter((x) => x.refundId === booked!.id)).toEqual([
      expect.objectContaining({ providerRef: second, amount: o.amountTotal }),
    ]);
    expect(
      (await api.platform.db('payments').where({ provider_ref: first }).first<{ status: string }>()).status,
    ).toBe('succeeded');
    expect(
      (await api.platform.db('payments').where({ provider_ref: second }).first<{ status: string }>()).status,
    ).toBe('refunded');
  });
});
