import { isDomainError } from '../errors.js';
import { outTradeNoOf, type ProviderName } from '../payments/gateway.js';
import type { PaymentRow } from '../db/tables.js';
import type { Actor } from './model.js';
import { holdState, type OrderDeps } from './store.js';
import { endHold } from './lifecycle.js';
import { applyProviderWord } from './payment-notices.js';
import { nextQueryAt } from './payment-schedule.js';

/**
 * Asking the providers instead of waiting for them: a lost notification must not lose a
 * sale, and an expired hold must not stay payable. The worker polls every pending payment
 * on its schedule (core/orders/payment-schedule.ts) and closes the provider's order once
 * the hold is gone; a payment the close finds paid is a late payment — honoured if the
 * stock is still there, refunded otherwise (core/orders/payment.ts), never left.
 */
export type SyncResult = 'paid' | 'pending' | 'closed' | 'skipped';

const PROVIDERS: readonly ProviderName[] = ['wechat', 'alipay'];

/** Asks the provider about one pending payment and applies its answer. */
export async function queryPayment(d: OrderDeps, paymentId: string): Promise<SyncResult> {
  const row = await d.db('payments').where({ id: paymentId, status: 'pending' }).first();
  const gw = row ? d.payments.get(row.provider as ProviderName) : undefined;
  if (!row || !gw) return 'skipped';
  const now = d.clock.now();
  try {
    const q = await gw.queryPayment(outTradeNoOf(row.id));
    if (q.status === 'not_found') {
      // Alipay knows a QR trade only once it is scanned; past the expiry nobody can pay it
      if (row.expires_at && row.expires_at <= now) return closeAtProvider(d, row);
    } else {
      await applyProviderWord(d, gw, q, 'query');
    }
  } catch (e) {
    d.log.warn({ err: isDomainError(e) ? e.code : e, paymentId }, 'payment query failed; asking again later');
  }
  return reschedule(d, row);
}

/** A payment still pending after a query: asked again later (attempts counted). */
async function reschedule(d: OrderDeps, row: PaymentRow): Promise<SyncResult> {
  const now = d.clock.now();
  const fresh = await d.db('payments').where({ id: row.id }).first('status');
  if (fresh?.status !== 'pending') return fresh?.status === 'closed' ? 'closed' : 'paid';
  await d
    .db('payments')
    .where({ id: row.id, status: 'pending' })
    .update({
      query_attempts: row.query_attempts + 1,
      next_query_at: nextQueryAt(now, row.expires_at, row.query_attempts + 1),
    });
  return 'pending';
}

/**
 * Tells the provider to stop accepting a payment. `paid` (it was paid first): the
 * payment is applied like any money taken; otherwise the payment is closed in the books.
 */
export async function closeAtProvider(d: OrderDeps, row: PaymentRow): Promise<SyncResult> {
  const gw = d.payments.get(row.provider as ProviderName);
  if (!gw || row.status !== 'pending') return 'skipped';
  const closed = await gw.closePayment(outTradeNoOf(row.id));
  if (closed === 'paid') {
    const q = await gw.queryPayment(outTradeNoOf(row.id));
    if (q.status !== 'not_found') await applyProviderWord(d, gw, q, 'close');
    return 'paid';
  }
  const now = d.clock.now();
  await d.db('payments').where({ id: row.id, status: 'pending' }).update({
    status: 'closed',
    closed_at: now,
    next_query_at: null,
    provider_status: closed,
    updated_at: now,
  });
  return 'closed';
}

const pendingOf = (d: OrderDeps, orderId: string) =>
  d.db('payments').where({ order_id: orderId, status: 'pending' }).whereIn('provider', PROVIDERS);

/** Closes every pending provider payment of an order whose hold is gone; one that fails is retried by the poller. */
export async function closeOrderPayments(d: OrderDeps, orderId: string): Promise<void> {
  for (const row of await pendingOf(d, orderId)) {
    await closeAtProvider(d, row).catch(async (e: unknown) => {
      d.log.warn(
        { err: isDomainError(e) ? e.code : e, paymentId: row.id },
        'closing a payment failed; retried',
      );
      await d
        .db('payments')
        .where({ id: row.id, status: 'pending' })
        .update({ next_query_at: new Date(d.clock.now().getTime() + 30_000) });
    });
  }
}

/**
 * Ends a hold whose time ran out, after one last word from the providers (a payment made
 * but not notified is found here, and sells), then closes their orders: the hold-expiry
 * job and the sweeper call this, never `endHold` alone. Returns whether it expired.
 */
export async function expireHold(d: OrderDeps, orderId: string): Promise<boolean> {
  for (const row of await pendingOf(d, orderId)) await queryPayment(d, row.id);
  const expired = await endHold(d, orderId, 'expired');
  const o = await holdState(d.db, orderId);
  if (o && o.status !== 'held') await closeOrderPayments(d, orderId);
  return expired;
}

/** The owner gives up a hold: the stock goes back and the provider stops accepting its payments. */
export async function cancelHold(d: OrderDeps, actor: Actor, orderId: string): Promise<void> {
  await endHold(d, orderId, 'cancelled', actor);
  await closeOrderPayments(d, orderId);
}

/**
 * One pass of the payment poller: every provider payment whose next query is due — asked
 * about, or closed at the provider once its hold or its own expiry is gone.
 */
export async function pollPayments(
  d: OrderDeps,
  limit = 200,
): Promise<{ asked: number; paid: number; closed: number }> {
  const now = d.clock.now();
  const due = await d
    .db('payments as p')
    .join('orders as o', 'o.id', 'p.order_id')
    .where('p.status', 'pending')
    .whereIn('p.provider', PROVIDERS)
    .andWhere('p.next_query_at', '<=', now)
    .orderBy('p.next_query_at')
    .limit(limit)
    .select<(PaymentRow & { order_status: string })[]>('p.*', 'o.status as order_status');
  const out = { asked: 0, paid: 0, closed: 0 };
  for (const row of due) {
    out.asked++;
    const gone = row.order_status !== 'held' || (row.expires_at !== null && row.expires_at <= now);
    const r = await (gone ? closeAtProvider(d, row) : queryPayment(d, row.id)).catch((e: unknown) => {
      d.log.warn({ err: isDomainError(e) ? e.code : e, paymentId: row.id }, 'payment poll failed');
      return reschedule(d, row);
    });
    if (r === 'paid') out.paid++;
    if (r === 'closed') out.closed++;
  }
  return out;
}
