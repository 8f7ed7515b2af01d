import { isDomainError } from '../errors.js';
import { paymentError } from '../payments/errors.js';
import { bindingMismatches, nextPaymentStatus, type BindingMismatch } from '../payments/binding.js';
import {
  idOfOutTradeNo,
  moneyTaken,
  outTradeNoOf,
  type NotificationAck,
  type PaymentState,
  type ProviderGateway,
  type ProviderName,
  type ProviderRefundNotice,
  type RawHeaders,
} from '../payments/gateway.js';
import type { PaymentRow } from '../db/tables.js';
import { systemActor } from './model.js';
import { loadOrder, type NoticeResult, type OrderDeps } from './store.js';
import { audit } from '../audit/store.js';
import { afterSettlement, settleMoneyTaken, type Settlement } from './payment.js';
import { bookRefund, sendRefund } from './refunds.js';

/** Where a provider's word about a payment came from. */
export type WordSource = 'notice' | 'query' | 'close';

/**
 * A provider's notification, from its raw bytes to the books. Verified first (signature,
 * timestamp window, decryption, merchant and app: `parseNotification`), and nothing is
 * written for one that does not verify; then bound to the payment or refund Scenic
 * created, compared with it, and applied only if it moves the row forward. The answer
 * (the provider's own ack format) says "received" only after the write committed, and
 * "send it again" for everything refused, so a provider never stops retrying a notice
 * the books did not take.
 */
export async function acceptNotice(
  d: OrderDeps,
  provider: ProviderName,
  headers: RawHeaders,
  rawBody: Buffer,
): Promise<{ ack: NotificationAck; result: NoticeResult }> {
  const gw = d.payments.get(provider);
  if (!gw) throw paymentError('unknown_provider', `no payment provider ${provider} here`);
  let result: NoticeResult;
  try {
    const notice = gw.parseNotification(headers, rawBody);
    result =
      notice.kind === 'payment'
        ? await applyProviderWord(d, gw, notice, 'notice')
        : await applyRefundNotice(d, gw, notice);
  } catch (e) {
    if (!isDomainError(e) || (e.kind !== 'authentication' && e.kind !== 'input')) throw e;
    // forged, replayed, for another merchant, unreadable: refused, nothing written
    result = e.kind === 'input' ? 'malformed' : 'bad_signature';
    d.log.warn({ provider, code: e.code }, 'payment notification refused');
  }
  d.onPaymentEvent?.({ kind: 'notice', provider, result });
  return { ack: gw.notificationAck(result === 'applied' || result === 'duplicate'), result };
}

/**
 * Applies what a provider says about a payment (a verified notice, a query's answer, a
 * close that found it paid) to the payment Scenic created for it. Returns `applied` when
 * it moved the books, `duplicate` when it changed nothing (repeated, stale, reordered),
 * `unknown_payment` or `mismatch` when refused (audited; money taken on a mismatch is
 * given back).
 */
export async function applyProviderWord(
  d: OrderDeps,
  gw: ProviderGateway,
  s: PaymentState,
  source: WordSource,
): Promise<NoticeResult> {
  const id = idOfOutTradeNo(s.outTradeNo);
  const row = id ? await d.db('payments').where({ id }).first() : undefined;
  if (!row || row.provider !== gw.provider) {
    // Never a payment row from a provider's word: reconciliation reports the money, finance decides.
    await audit(
      d.db,
      systemActor(`payment:${gw.provider}`),
      'scenic.payment.word_refused',
      `${gw.provider}:${s.outTradeNo}`,
      {
        reason: 'unknown_payment',
        source,
        amount: s.amount,
        providerStatus: s.providerStatus,
      },
    );
    d.log.warn({ provider: gw.provider, source }, 'provider named a payment Scenic never created');
    return 'unknown_payment';
  }
  const mismatches = bindingMismatches(row, s);
  if (mismatches.length) return refuseMismatch(d, gw, row, s, mismatches, source);
  const next = nextPaymentStatus(row.status, s.status);
  if (!next) return 'duplicate';
  const now = d.clock.now();
  if (next !== 'succeeded') {
    const n = await d
      .db('payments')
      .where({ id: row.id, status: row.status })
      .update({
        status: next,
        provider_status: s.providerStatus,
        closed_at: next === 'closed' ? now : null,
        next_query_at: null,
        updated_at: now,
      });
    return n ? 'applied' : 'duplicate';
  }
  const settled = await d.db.transaction(async (trx): Promise<Settlement | undefined> => {
    const o = await loadOrder(trx, row.order_id, true);
    const locked = await trx('payments').where({ id: row.id }).forUpdate().first();
    if (!locked || nextPaymentStatus(locked.status, s.status) !== 'succeeded') return undefined;
    return settleMoneyTaken(d, trx, o, locked, {
      amount: s.amount,
      providerRef: s.providerRef,
      providerStatus: s.providerStatus,
      paidAt: s.paidAt,
    });
  });
  if (!settled) return 'duplicate';
  if (source !== 'notice') d.onPaymentEvent?.({ kind: 'recovered', provider: gw.provider, source });
  await afterSettlement(d, row.order_id, settled);
  return 'applied';
}

/**
 * A provider's word that does not match the payment Scenic created (amount, currency,
 * merchant, app): refused and audited, and counted for the alert. If it says money was
 * taken for a payment not yet paid, the provider is asked (its query is the truth about
 * what it took) and that money is given back, never sold on.
 */
async function refuseMismatch(
  d: OrderDeps,
  gw: ProviderGateway,
  row: PaymentRow,
  s: PaymentState,
  mismatches: BindingMismatch[],
  source: WordSource,
): Promise<NoticeResult> {
  const actor = systemActor(`payment:${gw.provider}`);
  await audit(d.db, actor, 'scenic.payment.word_refused', row.order_id, {
    reason: 'mismatch',
    source,
    paymentId: row.id,
    mismatches,
    providerStatus: s.providerStatus,
  });
  d.log.warn(
    { provider: gw.provider, paymentId: row.id, mismatches, source },
    'payment word does not match the books',
  );
  d.onPaymentEvent?.({ kind: 'mismatch', provider: gw.provider, source });
  const ours = mismatches.every((m) => m.field === 'amount' || m.field === 'currency');
  if (!ours || !moneyTaken(s.status) || row.status === 'succeeded' || row.status === 'refunded')
    return 'mismatch';
  const truth = await gw.queryPayment(outTradeNoOf(row.id));
  if (truth.status === 'not_found' || !moneyTaken(truth.status)) return 'mismatch';
  const refundId = await d.db.transaction(async (trx) => {
    await loadOrder(trx, row.order_id, true);
    const locked = await trx('payments').where({ id: row.id }).forUpdate().first();
    if (!locked || locked.status === 'succeeded' || locked.status === 'refunded') return undefined;
    const now = d.clock.now();
    await trx('payments')
      .where({ id: row.id })
      .update({
        status: 'succeeded',
        provider_ref: truth.providerRef,
        provider_amount: truth.amount,
        provider_status: truth.providerStatus,
        paid_at: truth.paidAt ?? now,
        next_query_at: null,
        raw: JSON.stringify({ ...(locked.raw ?? {}), mismatch: mismatches }),
        updated_at: now,
      });
    await audit(trx, actor, 'scenic.payment.mismatch_refunded', row.order_id, {
      paymentId: row.id,
      amount: truth.amount,
    });
    return bookRefund(trx, d, {
      order: { id: row.order_id },
      payment: row,
      amount: truth.amount,
      reason: 'payment_mismatch',
      actor,
      ticketIds: [],
    });
  });
  if (refundId) await sendRefund(d, refundId);
  return 'mismatch';
}

/**
 * A refund notice binds to the refund Scenic booked (by our refund id) for a payment of
 * that trade; the provider is then asked about it (Alipay's notices name only the trade's
 * refunded total), and the answer moves the row. Acknowledged once written.
 */
async function applyRefundNotice(
  d: OrderDeps,
  gw: ProviderGateway,
  n: ProviderRefundNotice,
): Promise<NoticeResult> {
  const id = idOfOutTradeNo(n.outRefundNo);
  const r = id
    ? await d.db('refunds').where({ id, method: 'provider', provider: gw.provider }).first()
    : undefined;
  if (!r || !r.payment_id || outTradeNoOf(r.payment_id) !== n.outTradeNo) {
    await audit(
      d.db,
      systemActor(`payment:${gw.provider}`),
      'scenic.refund.word_refused',
      `${gw.provider}:${n.outRefundNo}`,
      {
        reason: 'unknown_refund',
        outTradeNo: n.outTradeNo,
      },
    );
    return 'unknown_payment';
  }
  if (r.status !== 'pending' && r.status !== 'processing') return 'duplicate';
  await d
    .db('refunds')
    .where({ id: r.id })
    .whereIn('status', ['pending', 'processing'])
    .update({ status: 'processing', next_attempt_at: null, updated_at: d.clock.now() });
  await sendRefund(d, r.id);
  return 'applied';
}
