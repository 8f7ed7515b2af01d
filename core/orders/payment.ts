import { confirmOtherLegs } from '../joint/legs.js';
import { retakeComboSeats } from '../combos/lifecycle.js';
import type { Knex } from 'knex';
import { conflict, isDomainError } from '../errors.js';
import { uuidv7 } from '../ids.js';
import { paymentError } from '../payments/errors.js';
import {
  outTradeNoOf,
  type PaymentAction,
  type PaymentScene,
  type ProviderGateway,
  type ProviderName,
} from '../payments/gateway.js';
import { chooseScene, type PayerDevice } from '../payments/scene.js';
import { issueTickets } from './issue.js';
import { crashPoint } from '../faults.js';
import { systemActor, type Actor, type OrderView } from './model.js';
import type { OrderRow, PaymentRow, RefundRow } from '../db/tables.js';
import { loadOrder, loadTickets, viewOrder, type OrderDeps, type OrderOutcome } from './store.js';
import { audit } from '../audit/store.js';
import { outbox } from '../outbox/store.js';
import { bookRefund, sendRefund } from './refunds.js';
import { firstQueryAt } from './payment-schedule.js';

export interface PaymentStart {
  orderId: string;
  paymentId: string | null;
  provider: ProviderName | null;
  scene: PaymentScene | null;
  /** what to show the payer: a QR to render, a page to open, or the mini-program's wx.requestPayment arguments */
  action: PaymentAction | null;
  /** the QR's content or the page to open (null for the mini-program, or when nothing is left to pay) */
  payUrl: string | null;
  amount: number;
  currency: string;
  status: 'pending' | 'issued';
  /** when the provider stops accepting this payment (the hold's expiry) */
  expiresAt: string | null;
}

/** Who pays, as the router read it from the request (never the amount). */
export interface PayRequest {
  provider?: ProviderName;
  device: PayerDevice;
  openid?: string;
  clientIp?: string;
}

/** A payment stays offered again to the same payer while it has this long left. */
const REUSE_MARGIN_MS = 60_000;

const issued = (o: OrderRow): PaymentStart => ({
  orderId: o.id,
  paymentId: null,
  provider: null,
  scene: null,
  action: null,
  payUrl: null,
  amount: o.amount_total,
  currency: o.currency,
  status: 'issued',
  expiresAt: null,
});

/** The gateway of `name`, or the deployment's first one. */
export function providerFor(d: OrderDeps, name?: ProviderName): ProviderGateway {
  if (name) {
    const g = d.payments.get(name);
    if (!g)
      throw paymentError('invalid_payment_request', `${name} is not a payment provider of this deployment`, {
        fields: [{ path: 'provider', message: `one of: ${[...d.payments.keys()].join(', ') || 'none'}` }],
      });
    return g;
  }
  const first = d.payments.values().next();
  if (first.done) throw paymentError('no_payment_provider', 'no online payment provider is configured here');
  return first.value;
}

const startOf = (o: OrderRow, p: PaymentRow, action: PaymentAction): PaymentStart => ({
  orderId: o.id,
  paymentId: p.id,
  provider: p.provider as ProviderName,
  scene: p.scene as PaymentScene,
  action,
  payUrl: action.kind === 'jsapi' ? null : action.kind === 'qr' ? action.content : action.url,
  amount: p.amount,
  currency: p.currency,
  status: 'pending',
  expiresAt: p.expires_at?.toISOString() ?? null,
});

/**
 * Starts (or resumes) paying a held order with a provider, for the order's amount from
 * the books. The payment row is written first, so every notice the provider sends later
 * binds to a payment Scenic created; then the provider is asked. The scene follows the
 * channel and the payer's device (core/payments/scene.ts). A free order is issued at once.
 */
export async function startPayment(
  d: OrderDeps,
  _actor: Actor,
  orderId: string,
  req: PayRequest,
): Promise<PaymentStart> {
  const o = await loadOrder(d.db, orderId);
  const now = d.clock.now();
  if (o.status === 'issued') return issued(o);
  if (o.status !== 'held') throw conflict('order_not_payable', `order is ${o.status}`);
  if (!o.expires_at || o.expires_at <= now)
    throw conflict('hold_expired', 'the hold on this order has expired');
  if (o.amount_total === 0) {
    await recordOfflinePayment(d, systemActor('free'), orderId, 'free', {});
    return issued(o);
  }
  const gw = providerFor(d, req.provider);
  if (o.currency !== 'CNY')
    throw paymentError('invalid_payment_request', `${gw.provider} takes CNY, not ${o.currency}`);
  const scene = chooseScene(gw.provider, await d.catalog.channel(o.channel_id), req.device);
  const reusable = await reusablePayment(d.db, o, gw.provider, scene, req, now);
  if (reusable) return reusable;

  const id = uuidv7(now.getTime());
  await d.db('payments').insert({
    id,
    order_id: o.id,
    provider: gw.provider,
    amount: o.amount_total,
    currency: o.currency,
    status: 'pending',
    scene,
    merchant_id: gw.merchantId,
    app_id: gw.appId,
    expires_at: o.expires_at,
    next_query_at: firstQueryAt(now, o.expires_at),
    raw: JSON.stringify({ openid: req.openid ?? null }),
  });
  let action: PaymentAction;
  try {
    ({ action } = await gw.createPayment({
      outTradeNo: outTradeNoOf(id),
      amount: o.amount_total,
      currency: 'CNY',
      description: `Scenic tickets ${o.area_id} ${o.visit_date}`,
      notifyUrl: `${d.callbackBaseUrl}/${gw.provider}`,
      expiresAt: o.expires_at,
      scene,
      payer: { openid: req.openid, clientIp: req.clientIp },
      returnUrl: `${d.publicUrl}/orders/${o.id}?paid=1`,
    }));
  } catch (e) {
    // Refused outright: nothing to pay. Unreachable: the provider may have it; the worker asks.
    if (isDomainError(e) && e.kind !== 'unavailable')
      await d
        .db('payments')
        .where({ id, status: 'pending' })
        .update({
          status: 'failed',
          next_query_at: null,
          raw: JSON.stringify({ error: e.code }),
          updated_at: now,
        });
    throw e;
  }
  const payUrl = action.kind === 'qr' ? action.content : action.kind === 'redirect' ? action.url : undefined;
  const [row] = await d
    .db('payments')
    .where({ id })
    .update({ raw: JSON.stringify({ action, payUrl, openid: req.openid ?? null }) })
    .returning('*');
  return startOf(o, row!, action);
}

/** A pending payment of the same provider and scene the payer can still use, offered again. */
async function reusablePayment(
  db: Knex,
  o: OrderRow,
  provider: ProviderName,
  scene: PaymentScene,
  req: PayRequest,
  now: Date,
): Promise<PaymentStart | null> {
  const rows = await db('payments')
    .where({ order_id: o.id, provider, scene, status: 'pending' })
    .andWhere('expires_at', '>', new Date(now.getTime() + REUSE_MARGIN_MS))
    .orderBy('created_at', 'desc');
  for (const p of rows) {
    const action = p.raw?.action as PaymentAction | undefined;
    if (!action) continue;
    if (scene === 'jsapi' && p.raw?.openid !== req.openid) continue;
    return startOf(o, p, action);
  }
  return null;
}

export type PaymentOutcome = 'issued' | 'already_issued' | 'refund_required' | 'failed';

/** Money Scenic took without a provider: at the counter, on a partner's account, or nothing (free). */
export type OfflineMethod = 'cash' | 'card' | 'account' | 'free';

/**
 * Records money taken outside the providers and issues the order. The payment row is
 * created here, in the transaction that settles it (one per order and method: asking
 * again finds it and issues nothing twice).
 */
export async function recordOfflinePayment(
  d: OrderDeps,
  actor: Actor,
  orderId: string,
  method: OfflineMethod,
  raw: Record<string, unknown>,
): Promise<{ outcome: PaymentOutcome; order: OrderView }> {
  const now = d.clock.now();
  const ref = `${method}:${orderId}`;
  const r = await d.db.transaction(async (trx) => {
    const o = await loadOrder(trx, orderId, true);
    let pay = await trx('payments').where({ provider: method, provider_ref: ref }).forUpdate().first();
    if (!pay) {
      [pay] = await trx('payments')
        .insert({
          id: uuidv7(now.getTime()),
          order_id: o.id,
          provider: method,
          provider_ref: ref,
          amount: o.amount_total,
          currency: o.currency,
          status: 'pending',
          raw: JSON.stringify({ ...raw, actor: `${actor.kind}:${actor.id}` }),
        })
        .returning('*');
    }
    if (pay!.status !== 'pending') return { outcome: 'already_issued' as const };
    return settleMoneyTaken(d, trx, o, pay!, {
      amount: o.amount_total,
      providerRef: ref,
      providerStatus: 'PAID',
      paidAt: now,
    });
  });
  return afterSettlement(d, orderId, r);
}

/** What the provider says it took. */
export interface MoneyTaken {
  amount: number;
  providerRef: string | null;
  providerStatus: string;
  paidAt: Date | null;
}

export interface Settlement {
  outcome: PaymentOutcome;
  refundId?: string;
  sold?: OrderOutcome;
}

/**
 * The books' side of money taken for a payment Scenic created, inside the caller's
 * transaction with the order locked: the hold becomes a sale; if the hold had lapsed the
 * stock is taken again if it is still there, and otherwise the money is given back
 * (booked here, sent after the commit); a second payment of a paid order is given back.
 * A paid order never oversells, and money never stays without a ticket.
 */
export async function settleMoneyTaken(
  d: OrderDeps,
  trx: Knex.Transaction,
  o: OrderRow,
  pay: PaymentRow,
  taken: MoneyTaken,
): Promise<Settlement> {
  const now = d.clock.now();
  const actor = systemActor(`payment:${pay.provider}`);
  await trx('payments')
    .where({ id: pay.id })
    .update({
      status: 'succeeded',
      provider_ref: taken.providerRef ?? pay.provider_ref,
      provider_amount: taken.amount,
      provider_status: taken.providerStatus,
      paid_at: taken.paidAt ?? now,
      next_query_at: null,
      updated_at: now,
    });
  const giveBack = async (reason: RefundRow['reason_code']): Promise<Settlement> => ({
    outcome: 'refund_required',
    refundId: await bookRefund(trx, d, {
      order: o,
      payment: pay,
      amount: taken.amount,
      reason,
      actor,
      ticketIds: [],
    }),
  });
  if (o.status === 'issued' || o.status === 'partially_refunded' || o.status === 'refunded')
    return giveBack('duplicate_payment'); // a second payment for an order that is already paid
  const tickets = await loadTickets(trx, o.id);
  const live = tickets.filter((t) => t.status === 'pending' || t.status === 'void');
  let confirmed =
    o.status === 'held' ? await d.inventory.confirm(o.area_id, o.visit_date, o.res_id) : 'missing';
  // a joint order's other areas (core/joint): all of them, or the order's stock is lost
  if (confirmed !== 'missing' && (await confirmOtherLegs(d, o, live)) === 'missing') confirmed = 'missing';
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
      units: live.reduce((s, t) => s + t.units, 0),
      idHashes: live.map((t) => t.id_hash),
      expiresAt: 0,
    });
    confirmed = again.ok ? 'confirmed' : 'missing';
    // a combo's seats lapsed with the hold: all again, or the order's stock is lost (core/combos)
    if (again.ok && !(await retakeComboSeats(d, trx, o))) {
      await d.inventory.release(o.area_id, o.visit_date, o.res_id, 'all');
      confirmed = 'missing';
    }
    if (confirmed === 'confirmed')
      await audit(trx, actor, 'scenic.order.paid_after_expiry', o.id, {
        amount: taken.amount,
        was: o.status,
      });
  }
  if (confirmed === 'missing') {
    await trx('orders').where({ id: o.id }).update({ status: 'cancelled', updated_at: now });
    await trx('tickets')
      .where({ order_id: o.id })
      .whereIn('status', ['pending', 'void'])
      .update({ status: 'void' });
    await audit(trx, actor, 'scenic.order.paid_after_stock_lost', o.id, { amount: taken.amount });
    return giveBack('stock_unavailable');
  }
  crashPoint('payment.after-confirm');
  return { outcome: 'issued', sold: await issueOrder(d, trx, o, pay.provider, taken.amount) };
}

async function issueOrder(
  d: OrderDeps,
  trx: Knex.Transaction,
  o: OrderRow,
  provider: string,
  amount: number,
): Promise<OrderOutcome> {
  const now = d.clock.now();
  await trx('tickets').where({ order_id: o.id, status: 'void' }).update({ status: 'pending' });
  const area = await d.catalog.area(o.area_id);
  const ring = await d.keys();
  const issuedIds = await issueTickets(trx, ring, area, o, await loadTickets(trx, o.id), now);
  await trx('orders')
    .where({ id: o.id })
    .update({ status: 'issued', paid_at: now, expires_at: null, updated_at: now });
  await outbox(trx, 'order.issued', o.id, {
    areaId: o.area_id,
    date: o.visit_date,
    slotId: o.slot_id,
    channelId: o.channel_id,
    ticketIds: issuedIds,
    amount: o.amount_total,
  });
  await audit(trx, systemActor(`payment:${provider}`), 'scenic.order.issued', o.id, {
    amount,
    provider,
    tickets: issuedIds.length,
  });
  return {
    kind: 'issued',
    areaId: o.area_id,
    date: o.visit_date,
    slotId: o.slot_id,
    channelId: o.channel_id,
    tickets: issuedIds.length,
    amount: o.amount_total,
  };
}

/** After the settling transaction committed: metrics, the refund it booked, the order as it is now. */
export async function afterSettlement(
  d: OrderDeps,
  orderId: string,
  s: Settlement,
): Promise<{ outcome: PaymentOutcome; order: OrderView }> {
  if (s.sold) d.onOutcome?.(s.sold);
  if (s.refundId) await sendRefund(d, s.refundId);
  return { outcome: s.outcome, order: await viewOrder(d.db, d.vault, orderId) };
}
