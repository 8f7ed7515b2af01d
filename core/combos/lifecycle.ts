import type { Knex } from 'knex';
import type { OrderRow } from '../db/tables.js';
import { conflict, inputError } from '../errors.js';
import { audit } from '../audit/store.js';
import { outbox } from '../outbox/store.js';
import { bookFee, refundTerms } from '../policies/apply.js';
import { bookRefund, salePaymentOf, sendRefund } from '../orders/refunds.js';
import { loadOrder, loadTickets, viewOrder, type OrderDeps } from '../orders/store.js';
import type { Actor, OrderView } from '../orders/model.js';
import type { ComponentRefundInput } from './inputs.js';
import { releaseSeats, reserveSeats, type SeatRequest } from './stock.js';

/**
 * The order lifecycle's side of combos: seats go back when a hold ends or a ticket is
 * refunded whole; a redeemed component keeps its ticket from a whole refund; unused
 * components refund on their own under the product's policy. core/orders/lifecycle.ts
 * calls the first three; the fourth is an operation of its own.
 */
type Order = Pick<OrderRow, 'id' | 'area_id' | 'visit_date' | 'res_id'>;

/** A hold ended (expired, cancelled): its bookings are void and their seats come back. */
export async function endComboHold(d: OrderDeps, trx: Knex.Transaction, o: Order): Promise<void> {
  const n = await trx('combo_bookings')
    .where({ order_id: o.id, status: 'active' })
    .update({ status: 'void' });
  if (n) await releaseSeats(d.inventory.redis, o.area_id, o.visit_date, o.res_id, 'all');
}

/**
 * Before tickets are refunded whole: a ticket one of whose components was redeemed is
 * refused (its unused components refund through refundComponents); the others' bookings
 * are marked refunded in the refund's transaction. Answers what gives their seats back,
 * to run after the commit like the entry stock's release.
 */
export async function refundComboTickets(
  d: OrderDeps,
  trx: Knex.Transaction,
  o: Order,
  ticketIds: readonly string[],
): Promise<() => Promise<unknown>> {
  const rows = await trx('combo_bookings').whereIn('ticket_id', ticketIds).forUpdate().select('*');
  if (!rows.length) return () => Promise.resolve();
  const used = rows.find((b) => b.status === 'redeemed');
  if (used)
    throw conflict(
      'combo_component_used',
      `ticket ${used.ticket_id} has used ${used.component_id}; refund its unused components instead`,
    );
  const live = rows.filter((b) => b.status === 'active');
  if (!live.length) return () => Promise.resolve();
  await trx('combo_bookings')
    .whereIn(
      'id',
      live.map((b) => b.id),
    )
    .update({ status: 'refunded' });
  const part = live.map((b) => ({ componentId: b.component_id, sessionId: b.session_id, seats: b.units }));
  return () => releaseSeats(d.inventory.redis, o.area_id, o.visit_date, o.res_id, part);
}

/** A combo's seats are for their day: an order with live bookings does not move. */
export async function refuseComboReschedule(trx: Knex.Transaction, orderId: string): Promise<void> {
  const live = await trx('combo_bookings').where({ order_id: orderId, status: 'active' }).first('id');
  if (live)
    throw conflict('combo_not_reschedulable', 'a combo keeps its seats for their day: refund and buy again');
}

export interface ComponentRefundResult {
  order: OrderView;
  refund: {
    id: string;
    amount: number;
    fee: number;
    status: string;
    ticketIds: string[];
    components: string[];
  };
}

/**
 * Refunds unused components of a paid combo order (the entry may have been used): each
 * booking not redeemed is worth its component's value, and that value is refunded under
 * the ticket's product policy (deadline, fee) like a ticket of that price would be. A
 * redeemed component is never refunded. The tickets stay valid for what they still hold.
 */
export async function refundComponents(
  d: OrderDeps,
  actor: Actor,
  orderId: string,
  input: ComponentRefundInput,
): Promise<ComponentRefundResult> {
  const now = d.clock.now();
  let refundId = '';
  let amount = 0;
  let fee = 0;
  let ticketIds: string[] = [];
  let components: string[] = [];
  let release: (() => Promise<unknown>) | undefined;
  await d.db.transaction(async (trx) => {
    const o = await loadOrder(trx, orderId, true);
    if (o.status !== 'issued' && o.status !== 'partially_refunded')
      throw conflict('order_not_refundable', `order is ${o.status}`);
    const tickets = (await loadTickets(trx, o.id, true)).filter((t) => t.status === 'valid');
    if (input.ticketIds?.some((id) => !tickets.some((t) => t.id === id)))
      throw inputError('unknown_ticket', 'a ticket id is not a valid ticket of this order', [
        { path: 'ticketIds', message: 'not a valid ticket of this order' },
      ]);
    const chosenTickets = input.ticketIds ? tickets.filter((t) => input.ticketIds!.includes(t.id)) : tickets;
    const q = trx('combo_bookings')
      .whereIn(
        'ticket_id',
        chosenTickets.map((t) => t.id),
      )
      .forUpdate();
    if (input.componentIds) void q.whereIn('component_id', input.componentIds);
    const named = await q.select('*');
    // a redeemed component is not refundable: it is left out, and said so if it was asked for by name
    const redeemed = named.filter((b) => b.status === 'redeemed');
    if (input.componentIds && redeemed.length)
      throw conflict(
        'combo_component_used',
        `${redeemed[0]!.component_id} has been used; it is not refundable`,
      );
    const open = named.filter((b) => b.status === 'active');
    if (!open.length) throw conflict('combo_nothing_to_refund', 'no unused component is left to refund');
    const area = await d.catalog.area(o.area_id);
    // one case per booking: its value is what it refunds, under its ticket's product policy
    const terms = refundTerms(
      area,
      o,
      open.map((b) => {
        const t = chosenTickets.find((x) => x.id === b.ticket_id)!;
        return { id: b.id, product_id: t.product_id, price: b.value, fee_retained: 0 };
      }),
      { now, wholeOrder: false, actor, reason: input.reason },
    );
    amount = terms.amount;
    fee = terms.fee;
    ticketIds = [...new Set(open.map((b) => b.ticket_id))];
    components = open.map((b) => b.component_id);
    refundId = await bookRefund(trx, d, {
      order: o,
      payment: await salePaymentOf(trx, o.id),
      amount,
      reason: input.reason,
      reasonText: input.note,
      actor,
      ticketIds,
    });
    await trx('combo_bookings')
      .whereIn(
        'id',
        open.map((b) => b.id),
      )
      .update({ status: 'refunded', refund_id: refundId });
    await trx('orders')
      .where({ id: o.id })
      .update({ status: 'partially_refunded', amount_refunded: o.amount_refunded + amount, updated_at: now });
    await bookFee(trx, { order: o, kind: 'refund', amount: fee, ticketIds, refundId, actor, now });
    await outbox(trx, 'order.components_refunded', o.id, {
      areaId: o.area_id,
      date: o.visit_date,
      ticketIds,
      components,
      amount,
      fee,
      reason: input.reason,
    });
    await audit(trx, actor, 'scenic.order.components_refunded', o.id, { ticketIds, components, amount, fee });
    const part = open.map((b) => ({ componentId: b.component_id, sessionId: b.session_id, seats: b.units }));
    release = () => releaseSeats(d.inventory.redis, o.area_id, o.visit_date, o.res_id, part);
  });
  // seats go back after the commit, as with the entry stock (core/orders/lifecycle.ts)
  await release?.();
  const status = await sendRefund(d, refundId);
  return {
    order: await viewOrder(d.db, d.vault, orderId),
    refund: { id: refundId, amount, fee, status, ticketIds, components },
  };
}

/**
 * Money arrived for a hold that had lapsed, and its entry stock was taken again
 * (core/orders/payment.ts): its bookings went void with the hold, so its seats are taken
 * again too, all or none. False when one session has no longer room: the caller gives the
 * entry back and refunds the payment, like any order whose stock was lost.
 */
export async function retakeComboSeats(d: OrderDeps, trx: Knex.Transaction, o: Order): Promise<boolean> {
  const lapsed = await trx('combo_bookings').where({ order_id: o.id, status: 'void' }).select('*');
  if (!lapsed.length) return true;
  const components = await trx('combo_components')
    .where({ area_id: o.area_id })
    .whereIn('id', [...new Set(lapsed.map((b) => b.component_id))])
    .select('id', 'sessions');
  const wants = new Map<string, SeatRequest>();
  for (const b of lapsed) {
    const key = `${b.component_id}|${b.session_id}`;
    const session = components
      .find((c) => c.id === b.component_id)
      ?.sessions.find((s) => s.id === b.session_id);
    const w = wants.get(key);
    if (w) w.seats += b.units;
    else
      wants.set(key, {
        componentId: b.component_id,
        sessionId: b.session_id,
        seats: b.units,
        capacity: session?.capacity ?? 0,
      });
  }
  const r = await reserveSeats(
    d.inventory.redis,
    o.area_id,
    o.visit_date,
    o.res_id,
    [...wants.values()],
    d.clock.now().getTime(),
  );
  if (!r.ok) return false;
  await trx('combo_bookings')
    .whereIn(
      'id',
      lapsed.map((b) => b.id),
    )
    .update({ status: 'active' });
  return true;
}
