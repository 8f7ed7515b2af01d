import { conflict, notFound } from '../errors.js';
import { uuidv7 } from '../ids.js';
import type { PaymentNotice } from '../payments/gateway.js';
import { issueTickets } from './issue.js';
import { sendRefund } from './lifecycle.js';
import { crashPoint } from '../faults.js';
import { systemActor, type Actor, type OrderView } from './model.js';
import type { PaymentRow, RefundRow } from '../db/tables.js';
import { loadOrder, loadTickets, viewOrder, type OrderDeps, type OrderOutcome } from './store.js';
import { audit } from '../audit/store.js';
import { outbox } from '../outbox/store.js';

export interface PaymentStart {
  orderId: string;
  paymentId: string | null;
  payUrl: string | null;
  amount: number;
  status: 'pending' | 'issued';
}

/** Starts (or resumes) paying a held order. A free order is issued at once. */
export async function startPayment(d: OrderDeps, _actor: Actor, orderId: string): Promise<PaymentStart> {
  const o = await loadOrder(d.db, orderId);
  if (o.status === 'issued')
    return { orderId, paymentId: null, payUrl: null, amount: o.amount_total, status: 'issued' };
  if (o.status !== 'held') throw conflict('order_not_payable', `order is ${o.status}`);
  if (o.expires_at && o.expires_at <= d.clock.now())
    throw conflict('hold_expired', 'the hold on this order has expired');
  if (o.amount_total === 0) {
    await recordPayment(
      d,
      { providerRef: `free:${orderId}`, orderId, amount: 0, status: 'succeeded', raw: {} },
      'free',
    );
    return { orderId, paymentId: null, payUrl: null, amount: 0, status: 'issued' };
  }
  const pending = await d
    .db('payments')
    .where({ order_id: orderId, status: 'pending', provider: d.gateway.provider })
    .first();
  if (pending?.raw?.payUrl)
    return {
      orderId,
      paymentId: pending.id,
      payUrl: pending.raw.payUrl,
      amount: o.amount_total,
      status: 'pending',
    };
  const created = await d.gateway.createPayment({
    orderId,
    amount: o.amount_total,
    currency: o.currency,
    description: `Scenic tickets ${o.area_id} ${o.visit_date}`,
    notifyUrl: `${d.callbackBaseUrl}/${d.gateway.provider}`,
  });
  const id = uuidv7(d.clock.now().getTime());
  await d.db('payments').insert({
    id,
    order_id: orderId,
    provider: d.gateway.provider,
    provider_ref: created.providerRef,
    amount: o.amount_total,
    status: 'pending',
    raw: JSON.stringify({ payUrl: created.payUrl }),
  });
  return { orderId, paymentId: id, payUrl: created.payUrl, amount: o.amount_total, status: 'pending' };
}

export type PaymentOutcome = 'issued' | 'already_issued' | 'refund_required' | 'failed';

/**
 * A provider says an order was paid. Idempotent per provider reference. The hold
 * becomes a sale; if the hold had lapsed, the stock is taken again if it is still
 * there, and otherwise the payment is refunded: a paid order never oversells.
 */
export async function recordPayment(
  d: OrderDeps,
  n: PaymentNotice,
  provider = d.gateway.provider,
): Promise<{ outcome: PaymentOutcome; order: OrderView }> {
  const now = d.clock.now();
  const actor = systemActor(`payment:${provider}`);
  let outcome: PaymentOutcome = 'issued';
  let refundId: string | undefined;
  let sold: OrderOutcome | undefined;
  await d.db.transaction(async (trx) => {
    const o = await loadOrder(trx, n.orderId, true);
    let pay: Pick<PaymentRow, 'id' | 'status' | 'amount'> | undefined = await trx('payments')
      .where({ provider, provider_ref: n.providerRef })
      .forUpdate()
      .first();
    if (!pay) {
      const id = uuidv7(now.getTime());
      await trx('payments').insert({
        id,
        order_id: o.id,
        provider,
        provider_ref: n.providerRef,
        amount: n.amount,
        status: 'pending',
        raw: JSON.stringify(n.raw),
      });
      pay = { id, status: 'pending', amount: n.amount };
    }
    if (pay.status === 'succeeded' || pay.status === 'refunded') {
      outcome = 'already_issued';
      return;
    }
    if (n.status !== 'succeeded') {
      await trx('payments').where({ id: pay.id }).update({ status: 'failed', updated_at: now });
      outcome = 'failed';
      return;
    }
    if (n.amount !== o.amount_total) {
      await trx('payments')
        .where({ id: pay.id })
        .update({
          status: 'failed',
          raw: JSON.stringify({ ...(n.raw as object), mismatch: true }),
          updated_at: now,
        });
      await audit(trx, actor, 'scenic.payment.amount_mismatch', o.id, {
        expected: o.amount_total,
        got: n.amount,
      });
      outcome = 'failed';
      return;
    }
    await trx('payments').where({ id: pay.id }).update({ status: 'succeeded', updated_at: now });
    // The money must go back: the refund is booked in this transaction, and sent after it
    // (a crash in between leaves it pending for the retry job, never forgotten).
    const bookRefund = async (reason: RefundRow['reason_code']) => {
      refundId = uuidv7(now.getTime());
      await trx('refunds').insert({
        id: refundId,
        order_id: o.id,
        payment_id: pay.id,
        ticket_ids: [],
        amount: n.amount,
        reason_code: reason,
        status: 'pending',
        actor: `system:payment:${provider}`,
      });
      outcome = 'refund_required';
    };
    if (o.status === 'issued' || o.status === 'partially_refunded' || o.status === 'refunded') {
      // A second payment for an order that is already paid: give it back.
      await bookRefund('duplicate_payment');
      return;
    }
    const tickets = await loadTickets(trx, o.id);
    const live = tickets.filter((t) => t.status === 'pending' || t.status === 'void');
    const units = live.reduce((s, t) => s + t.units, 0);
    let confirmed =
      o.status === 'held' ? await d.inventory.confirm(o.area_id, o.visit_date, o.res_id) : 'missing';
    if (confirmed === 'missing') {
      // The hold lapsed before the money arrived: take the stock again if it is there.
      const channel = await d.catalog.channel(o.channel_id);
      const again = await d.inventory.reserve({
        resId: o.res_id,
        areaId: o.area_id,
        date: o.visit_date,
        slotId: o.slot_id,
        channelId: o.channel_id,
        channelKind: channel.kind,
        units,
        idHashes: live.map((t) => t.id_hash),
        expiresAt: 0,
      });
      confirmed = again.ok ? 'confirmed' : 'missing';
    }
    if (confirmed === 'missing') {
      await trx('orders').where({ id: o.id }).update({ status: 'cancelled', updated_at: now });
      await trx('tickets')
        .where({ order_id: o.id })
        .whereIn('status', ['pending', 'void'])
        .update({ status: 'void' });
      await audit(trx, actor, 'scenic.order.paid_after_stock_lost', o.id, { amount: n.amount });
      await bookRefund('stock_unavailable');
      return;
    }
    crashPoint('payment.after-confirm');
    if (live.some((t) => t.status === 'void'))
      await trx('tickets').where({ order_id: o.id, status: 'void' }).update({ status: 'pending' });
    const area = await d.catalog.area(o.area_id);
    const ring = await d.keys();
    const issued = await issueTickets(trx, ring, area, o, await loadTickets(trx, o.id), now);
    await trx('orders')
      .where({ id: o.id })
      .update({ status: 'issued', paid_at: now, expires_at: null, updated_at: now });
    await outbox(trx, 'order.issued', o.id, {
      areaId: o.area_id,
      date: o.visit_date,
      slotId: o.slot_id,
      channelId: o.channel_id,
      ticketIds: issued,
      amount: o.amount_total,
    });
    await audit(trx, actor, 'scenic.order.issued', o.id, {
      amount: n.amount,
      provider,
      tickets: issued.length,
    });
    sold = {
      kind: 'issued',
      areaId: o.area_id,
      date: o.visit_date,
      slotId: o.slot_id,
      channelId: o.channel_id,
      tickets: issued.length,
      amount: o.amount_total,
    };
  });
  if (sold) d.onOutcome?.(sold);
  if (refundId) await sendRefund(d, refundId);
  return { outcome, order: await viewOrder(d.db, d.vault, n.orderId) };
}

export async function findOrderByPayment(
  d: OrderDeps,
  provider: string,
  providerRef: string,
): Promise<string> {
  const p = await d.db('payments').where({ provider, provider_ref: providerRef }).first();
  if (!p) throw notFound('payment_not_found', 'no such payment');
  return p.order_id;
}
