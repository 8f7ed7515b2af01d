import type { Knex } from 'knex';
import { isDomainError } from '../errors.js';
import { uuidv7 } from '../ids.js';
import { paymentError } from '../payments/errors.js';
import {
  outRefundNoOf,
  outTradeNoOf,
  type ProviderGateway,
  type ProviderName,
  type RefundQuery,
  type RefundState,
} from '../payments/gateway.js';
import type { OrderRow, PaymentRow, RefundMethod, RefundRow, RefundStatus } from '../db/tables.js';
import { actorName, systemActor, type Actor } from './model.js';
import type { OrderDeps } from './store.js';
import { audit } from '../audit/store.js';
import { nextRefundAttemptAt, nextRefundPollAt } from './payment-schedule.js';
import type { Sample } from '../telemetry/metrics.js';

/**
 * Refunds go back through the channel that took the money, decided by the payment, never
 * by the caller's route: a provider's payment through its refund API (sent, polled until
 * final, retried with backoff per refund, `failed` only when refused for good or out of
 * attempts — then alerted, and an admin can send it again); cash and card taken at the
 * counter become `awaiting_counter` until a cashier hands the money back
 * (`settleCounterRefund`); a partner-account order is given back on the partner's
 * settlement statement (core/channels/settlement.ts reads the refund row), no call at all.
 */
export function refundMethodOf(provider: string | undefined): {
  method: RefundMethod;
  provider: string | null;
} {
  if (provider === 'wechat' || provider === 'alipay') return { method: 'provider', provider };
  if (provider === 'cash' || provider === 'card') return { method: 'counter', provider: null };
  if (provider === 'account') return { method: 'partner', provider: null };
  return { method: 'none', provider: null };
}

/** How long a sender holds a refund before another may send it (the provider is idempotent anyway). */
const LEASE_MS = 60_000;

export interface BookRefund {
  order: Pick<OrderRow, 'id'>;
  /** the payment the money goes back from (undefined: nothing was paid) */
  payment: Pick<PaymentRow, 'id' | 'provider'> | undefined;
  amount: number;
  reason: RefundRow['reason_code'];
  reasonText?: string | null;
  actor: Actor;
  ticketIds: string[];
}

/** Books a refund in the caller's transaction, routed by the payment that took the money; returns its id. */
export async function bookRefund(trx: Knex.Transaction, d: OrderDeps, r: BookRefund): Promise<string> {
  const now = d.clock.now();
  const id = uuidv7(now.getTime());
  const route =
    r.amount > 0 ? refundMethodOf(r.payment?.provider) : { method: 'none' as const, provider: null };
  const status: RefundStatus =
    route.method === 'provider' ? 'pending' : route.method === 'counter' ? 'awaiting_counter' : 'succeeded';
  await trx('refunds').insert({
    id,
    order_id: r.order.id,
    payment_id: r.payment?.id ?? null,
    ticket_ids: r.ticketIds,
    amount: r.amount,
    reason_code: r.reason,
    reason_text: r.reasonText ?? null,
    status,
    method: route.method,
    provider: route.provider,
    actor: actorName(r.actor),
    created_at: now,
    updated_at: now,
    ...(status === 'succeeded'
      ? { settled_at: now, settled_by: route.method === 'partner' ? 'partner-settlement' : 'nothing-paid' }
      : {}),
  });
  return id;
}

/** The payment an order's sale was paid with (the first that took money and is not given back whole). */
export async function salePaymentOf(db: Knex, orderId: string): Promise<PaymentRow | undefined> {
  return db('payments')
    .where({ order_id: orderId })
    .whereIn('status', ['succeeded', 'refunded'])
    .whereNotExists(
      db('refunds')
        .whereRaw('refunds.payment_id = payments.id')
        .whereIn('reason_code', ['duplicate_payment', 'stock_unavailable', 'payment_mismatch']),
    )
    .orderBy([{ column: 'paid_at' }, { column: 'created_at' }])
    .first();
}

/**
 * Sends (or polls) a provider refund once, if it is due and nobody else holds it; returns
 * its status. Safe to call at any time: counter and partner refunds are never sent anywhere.
 */
export async function sendRefund(d: OrderDeps, refundId: string): Promise<RefundStatus> {
  const now = d.clock.now();
  const [r] = await d
    .db('refunds')
    .where({ id: refundId, method: 'provider' })
    .whereIn('status', ['pending', 'processing'])
    .andWhere((q) => {
      void q.whereNull('next_attempt_at').orWhere('next_attempt_at', '<=', now);
    })
    // a notice makes it due again, but never while another sender waits for the provider
    .andWhere((q) => {
      void q.whereNull('sending_until').orWhere('sending_until', '<=', now);
    })
    // both move on: sending_until holds it for this sender alone, next_attempt_at is when it
    // is tried again should this attempt end without writing its own (a notice may bring
    // that forward; nothing but the lease running out frees sending_until)
    .update({
      next_attempt_at: new Date(now.getTime() + LEASE_MS),
      sending_until: new Date(now.getTime() + LEASE_MS),
    })
    .returning('*');
  if (!r) return (await d.db('refunds').where({ id: refundId }).first('status'))?.status ?? 'failed';
  try {
    return await sendLeased(d, r);
  } finally {
    // best effort: what was sent and written stands; a lease not let go runs out by itself
    await d
      .db('refunds')
      .where({ id: r.id })
      .update({ sending_until: null })
      .catch((err: unknown) =>
        d.log.warn({ err, refundId: r.id }, `refund lease not let go; it runs out in ${LEASE_MS / 1000} s`),
      );
  }
}

/** One attempt at a refund this sender holds the lease of. */
async function sendLeased(d: OrderDeps, r: RefundRow): Promise<RefundStatus> {
  const pay = r.payment_id ? await d.db('payments').where({ id: r.payment_id }).first() : undefined;
  const gw = pay ? d.payments.get(pay.provider as ProviderName) : undefined;
  try {
    if (!pay || !gw)
      throw paymentError('no_payment_provider', `the provider of payment ${r.payment_id} is not configured`);
    const ref = { outTradeNo: outTradeNoOf(pay.id), outRefundNo: outRefundNoOf(r.id) };
    // a refund the provider accepted is asked about; one it never saw is sent (again: idempotent per id)
    const known: RefundQuery | undefined = r.status === 'processing' ? await gw.queryRefund(ref) : undefined;
    let state: RefundState =
      known && known.status !== 'not_found'
        ? known
        : await gw.refund({
            ...ref,
            amount: r.amount,
            paymentAmount: pay.provider_amount ?? pay.amount,
            currency: 'CNY',
            reason: r.reason_code,
            notifyUrl: gw.provider === 'wechat' ? `${d.callbackBaseUrl}/wechat` : undefined,
          });
    if (state.status === 'abnormal') state = await leaveAbnormal(d, r, gw, state);
    return await applyRefundState(d, r, pay, state);
  } catch (e) {
    return attemptFailed(d, r, isDomainError(e) ? `${e.code}: ${e.message}` : String(e), true);
  }
}

/**
 * WeChat ABNORMAL: the payer's card refused the money, which now waits in WeChat's refund
 * account. Sending the refund again under the same number only answers ABNORMAL again, so
 * the documented way out is taken (发起异常退款): the money goes to the merchant's
 * settlement bank account and the refund, once WeChat has moved it, waits for a cashier
 * (`awaiting_counter`). The route is claimed in the row before WeChat is asked, so a
 * SUCCESS read by any sender afterwards is "back with the merchant", never "back with the
 * payer"; a claim older than the lease (a sender died, or WeChat still says ABNORMAL) is
 * asked again. Refused outright: the claim is dropped and the refund backs off like any
 * refused one (then `failed`, alerted; an admin's retry comes back here).
 */
async function leaveAbnormal(
  d: OrderDeps,
  r: RefundRow,
  gw: ProviderGateway,
  s: RefundState,
): Promise<RefundState> {
  const now = d.clock.now();
  if (!gw.applyAbnormalRefund || !s.providerRefundRef)
    return { ...s, status: 'failed', failureCode: 'ABNORMAL', retryable: false };
  const claimed = await d
    .db('refunds')
    .where({ id: r.id })
    .andWhere((q) => {
      void q
        .whereNull('abnormal_route')
        .orWhereNull('abnormal_at')
        .orWhere('abnormal_at', '<', new Date(now.getTime() - LEASE_MS));
    })
    .update({ abnormal_at: now, abnormal_route: 'merchant_bank_card', updated_at: now });
  if (!claimed) return { ...s, status: 'pending' }; // just asked for: polled until WeChat moves it
  let applied: RefundState;
  try {
    applied = await gw.applyAbnormalRefund({
      outTradeNo: s.outTradeNo,
      outRefundNo: s.outRefundNo,
      providerRefundRef: s.providerRefundRef,
      to: 'merchant_bank_card',
    });
  } catch (e) {
    // no answer: WeChat may have moved it, so the route stays; asked again on the next attempt
    await d.db('refunds').where({ id: r.id }).update({ abnormal_at: null });
    throw e;
  }
  if (applied.status === 'failed') {
    await d.db('refunds').where({ id: r.id }).update({ abnormal_at: null, abnormal_route: null });
    return applied;
  }
  await audit(d.db, systemActor(`payment:${gw.provider}`), 'scenic.refund.abnormal_applied', r.order_id, {
    refundId: r.id,
    amount: r.amount,
    to: 'merchant_bank_card',
  });
  d.log.warn({ refundId: r.id }, "refund ABNORMAL: sent to the merchant's bank account, owed at the counter");
  d.onPaymentEvent?.({ kind: 'refund', method: 'provider', result: 'abnormal' });
  return applied;
}

/** What the provider said about a refund, written to its row. */
export async function applyRefundState(
  d: OrderDeps,
  r: RefundRow,
  pay: PaymentRow,
  s: RefundState,
): Promise<RefundStatus> {
  const now = d.clock.now();
  // read afresh: another sender may have sent it to the merchant's bank account meanwhile
  if (
    s.status === 'succeeded' &&
    (await d.db('refunds').where({ id: r.id }).first('abnormal_route'))?.abnormal_route
  )
    return backWithMerchant(d, r, s);
  // still ABNORMAL right after the way out was asked for: asked again later, with backoff
  if (s.status === 'abnormal') return attemptFailed(d, r, 'ABNORMAL', true);
  if (s.status === 'succeeded') {
    // the refund and its payment's status in one write: a reader never sees one without the other
    const n = await d.db.transaction(async (trx) => {
      const done = await trx('refunds')
        .where({ id: r.id })
        .whereIn('status', ['pending', 'processing'])
        .update({
          status: 'succeeded',
          settled_at: s.settledAt ?? now,
          settled_by: `provider:${pay.provider}`,
          provider_refund_ref: s.providerRefundRef ?? r.provider_refund_ref,
          next_attempt_at: null,
          last_error: null,
          updated_at: now,
        });
      if (done) await markPaymentRefunded(trx, pay, now);
      return done;
    });
    if (n) d.onPaymentEvent?.({ kind: 'refund', method: 'provider', result: 'succeeded' });
    return 'succeeded';
  }
  if (s.status === 'pending') {
    await d
      .db('refunds')
      .where({ id: r.id })
      .whereIn('status', ['pending', 'processing'])
      .update({
        status: 'processing',
        provider_refund_ref: s.providerRefundRef ?? r.provider_refund_ref,
        next_attempt_at: nextRefundPollAt(now, now.getTime() - r.created_at.getTime()),
        updated_at: now,
      });
    return 'processing';
  }
  return attemptFailed(d, r, `${s.failureCode ?? s.providerStatus}`, s.retryable === true);
}

/** An abnormal refund WeChat sent to the merchant's bank account: a cashier now owes it to the payer. */
async function backWithMerchant(d: OrderDeps, r: RefundRow, s: RefundState): Promise<RefundStatus> {
  const now = d.clock.now();
  await d
    .db('refunds')
    .where({ id: r.id })
    .whereIn('status', ['pending', 'processing'])
    .update({
      status: 'awaiting_counter',
      provider_settled_at: s.settledAt ?? now,
      provider_refund_ref: s.providerRefundRef ?? r.provider_refund_ref,
      next_attempt_at: null,
      last_error: `ABNORMAL: the payer's account refused it; sent to the merchant's bank account`,
      updated_at: now,
    });
  return 'awaiting_counter';
}

/** A refused or unsent refund: sent again later with backoff, or `failed` (alerted) when it cannot work. */
async function attemptFailed(
  d: OrderDeps,
  r: RefundRow,
  error: string,
  retryable: boolean,
): Promise<RefundStatus> {
  const now = d.clock.now();
  const attempts = r.attempts + 1;
  const final = !retryable || attempts >= d.refundMaxAttempts;
  const status: RefundStatus = final ? 'failed' : r.status;
  await d
    .db('refunds')
    .where({ id: r.id })
    .whereIn('status', ['pending', 'processing'])
    .update({
      status,
      attempts,
      last_error: error.slice(0, 500),
      next_attempt_at: final ? null : nextRefundAttemptAt(now, attempts),
      updated_at: now,
    });
  d.log.warn(
    { refundId: r.id, attempts, error, final },
    final ? 'refund failed: needs attention' : 'refund will be retried',
  );
  d.onPaymentEvent?.({ kind: 'refund', method: 'provider', result: final ? 'failed' : 'retry' });
  return status;
}

/** A payment whose refunds give back all it took is `refunded`. */
async function markPaymentRefunded(trx: Knex.Transaction, pay: PaymentRow, now: Date): Promise<void> {
  // two refunds of one payment settling at once: the second waits, then sees the first's row
  await trx('payments').where({ id: pay.id }).forUpdate().first('id');
  const [sum] = await trx('refunds')
    .where({ payment_id: pay.id, status: 'succeeded' })
    .sum<{ total: string | number | null }[]>({ total: 'amount' });
  if (Number(sum?.total ?? 0) >= (pay.provider_amount ?? pay.amount))
    await trx('payments')
      .where({ id: pay.id, status: 'succeeded' })
      .update({ status: 'refunded', updated_at: now });
}

/**
 * Provider refunds due now (never sent, or their next attempt or poll has come), each by
 * its own schedule: a refund that keeps failing waits longer and longer, so it never
 * keeps the others from being sent.
 */
export async function dueRefunds(d: OrderDeps, limit: number): Promise<string[]> {
  const now = d.clock.now();
  const rows = await d
    .db('refunds')
    .where({ method: 'provider' })
    .whereIn('status', ['pending', 'processing'])
    .andWhere((q) => {
      void q.whereNull('next_attempt_at').orWhere('next_attempt_at', '<=', now);
    })
    .orderByRaw('coalesce(next_attempt_at, created_at)')
    .limit(limit)
    .select('id');
  return rows.map((r) => r.id);
}

/** An admin sends a failed provider refund again (after topping up the balance, say). */
export async function retryRefund(d: OrderDeps, actor: Actor, refundId: string): Promise<RefundView> {
  const now = d.clock.now();
  const n = await d
    .db('refunds')
    .where({ id: refundId, method: 'provider', status: 'failed' })
    .update({ status: 'pending', attempts: 0, next_attempt_at: null, updated_at: now });
  if (!n)
    throw refundStateError(
      await d.db('refunds').where({ id: refundId }).first(),
      'only a failed provider refund is sent again',
    );
  await audit(d.db, actor, 'scenic.refund.retried', refundId);
  await sendRefund(d, refundId);
  return viewRefund(d.db, refundId);
}

/**
 * A cashier hands back cash, or refunds the card on the terminal, for a refund awaiting
 * the counter; a card refund names the terminal's reference. Audited.
 */
export async function settleCounterRefund(
  d: OrderDeps,
  actor: Actor,
  refundId: string,
  input: { reference?: string },
): Promise<RefundView> {
  const now = d.clock.now();
  await d.db.transaction(async (trx) => {
    const r = await trx('refunds').where({ id: refundId }).forUpdate().first();
    if (!r || r.status !== 'awaiting_counter')
      throw refundStateError(r, 'this refund is not waiting at the counter');
    const pay = r.payment_id ? await trx('payments').where({ id: r.payment_id }).first() : undefined;
    if (pay?.provider === 'card' && !input.reference)
      throw paymentError('settlement_reference_required', 'a card refund names the terminal reference', {
        fields: [{ path: 'reference', message: "the card terminal's refund reference" }],
      });
    await trx('refunds')
      .where({ id: refundId })
      .update({
        status: 'succeeded',
        settled_at: now,
        settled_by: actorName(actor),
        settlement_ref: input.reference ?? null,
        updated_at: now,
      });
    // an abnormal WeChat refund handed back at the counter: the payment is given back now
    if (r.method === 'provider' && pay) await markPaymentRefunded(trx, pay, now);
    await audit(trx, actor, 'scenic.refund.settled_at_counter', r.order_id, {
      refundId,
      amount: r.amount,
      method: pay?.provider ?? null,
      reference: input.reference ?? null,
    });
  });
  d.onPaymentEvent?.({ kind: 'refund', method: 'counter', result: 'succeeded' });
  return viewRefund(d.db, refundId);
}

function refundStateError(r: RefundRow | undefined, message: string) {
  return r
    ? paymentError('refund_not_settleable', `${message} (it is ${r.status})`)
    : paymentError('refund_not_found', 'no such refund');
}

export interface RefundView {
  id: string;
  orderId: string;
  areaId: string;
  amount: number;
  status: RefundStatus;
  method: RefundMethod;
  /** how the money was taken: wechat, alipay, cash, card, account, free */
  paidWith: string | null;
  reason: string;
  attempts: number;
  lastError: string | null;
  nextAttemptAt: string | null;
  createdAt: string;
  settledAt: string | null;
  settlementRef: string | null;
}

type RefundListRow = RefundRow & { area_id: string; paid_with: string | null };

const refundsWithOrder = (db: Knex) =>
  db('refunds as r')
    .join('orders as o', 'o.id', 'r.order_id')
    .leftJoin('payments as p', 'p.id', 'r.payment_id')
    .select<RefundListRow[]>('r.*', 'o.area_id', 'p.provider as paid_with');

const toView = (r: RefundListRow): RefundView => ({
  id: r.id,
  orderId: r.order_id,
  areaId: r.area_id,
  amount: r.amount,
  status: r.status,
  method: r.method,
  paidWith: r.paid_with,
  reason: r.reason_code,
  attempts: r.attempts,
  lastError: r.last_error,
  nextAttemptAt: r.next_attempt_at?.toISOString() ?? null,
  createdAt: r.created_at.toISOString(),
  settledAt: r.settled_at?.toISOString() ?? null,
  settlementRef: r.settlement_ref,
});

export async function viewRefund(db: Knex, refundId: string): Promise<RefundView> {
  const r = await refundsWithOrder(db).where('r.id', refundId).first();
  if (!r) throw paymentError('refund_not_found', 'no such refund');
  return toView(r);
}

/** Refunds in one state (a cashier's queue: `awaiting_counter`; an admin's: `failed`), oldest first. */
export async function listRefunds(
  db: Knex,
  q: { status: RefundStatus; areaId?: string; limit: number },
): Promise<RefundView[]> {
  let rows = refundsWithOrder(db).where('r.status', q.status).orderBy('r.created_at').limit(q.limit);
  if (q.areaId) rows = rows.andWhere('o.area_id', q.areaId);
  return (await rows).map(toView);
}

/** The worker's refund gauges, read at scrape time: what is still owed, by method and state, and how old. */
export async function refundSamples(db: Knex, now: Date): Promise<Sample[]> {
  const rows = await db('refunds')
    .whereIn('status', ['pending', 'processing', 'failed', 'awaiting_counter'])
    .groupBy('method', 'status')
    .select<{ method: string; status: string; n: number; oldest: Date }[]>(
      'method',
      'status',
      db.raw('count(*)::int as n'),
      db.raw('min(created_at) as oldest'),
    );
  const out: Sample[] = [];
  const states: [string, string][] = [
    ['provider', 'pending'],
    ['provider', 'processing'],
    ['provider', 'failed'],
    ['counter', 'awaiting_counter'],
    ['provider', 'awaiting_counter'], // ABNORMAL WeChat refunds back with the merchant, owed at the counter
  ];
  for (const [method, state] of states)
    out.push({
      name: 'scenic_refunds_outstanding',
      labels: { method, state },
      value: rows.find((r) => r.method === method && r.status === state)?.n ?? 0,
    });
  for (const method of ['provider', 'counter']) {
    const oldest = rows
      .filter((r) => r.method === method)
      .reduce<Date | null>((m, r) => (!m || r.oldest < m ? r.oldest : m), null);
    out.push({
      name: 'scenic_refunds_oldest_outstanding_seconds',
      labels: { method },
      value: oldest ? Math.max(0, (now.getTime() - oldest.getTime()) / 1000) : 0,
    });
  }
  return out;
}
