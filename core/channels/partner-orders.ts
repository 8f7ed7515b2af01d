import type { Knex } from 'knex';
import { z } from 'zod';
import { conflict, isDomainError, notFound } from '../errors.js';
import { PlaceOrderInput } from '../orders/inputs.js';
import { placeOrder } from '../orders/place.js';
import { recordOfflinePayment } from '../orders/payment.js';
import { endHold, extendHold, refundOrder, rescheduleOrder } from '../orders/lifecycle.js';
import { loadOrder, viewOrder, type OrderDeps } from '../orders/store.js';
import type { OrderRow, TicketRow } from '../db/tables.js';
import { audit } from '../audit/store.js';
import type { Actor, OrderView } from '../orders/model.js';
import type { RefundInput } from '../orders/inputs.js';
import { requestHash, runIdempotent, type IdempotencyKey, type StoredResponse } from '../idempotency.js';
import type { DomainError } from '../errors.js';

/**
 * What partners do with orders, on top of the order services: create (idempotent on the
 * partner's own order id), confirm on account, cancel, refund, look up, ticket codes and
 * redemption status. Every operation is confined to the partner's channel: another
 * partner's order id answers 404.
 */
export const PartnerOrderInput = PlaceOrderInput.omit({
  channelId: true,
  claimId: true,
  coupons: true,
  partnerOrderId: true,
  points: true,
}).extend({
  partnerOrderId: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, '1-64 characters of [A-Za-z0-9_.:-]'),
});
export type PartnerOrderInput = z.output<typeof PartnerOrderInput>;

/** The order as a partner sees it (no visitor access token). */
export type PartnerOrderView = OrderView;

/** Hold TTL bounds a partner may ask for (OCTO `expirationMinutes`). */
export const MIN_HOLD_SECONDS = 60;
export const MAX_HOLD_SECONDS = 3600;

function channelOf(actor: Actor): string {
  if (actor.kind !== 'partner' || !actor.channelId) throw notFound('order_not_found', 'no such order');
  return actor.channelId;
}

/**
 * Holds stock for a partner order. Retrying with the same partner order id and the same
 * body returns the first answer (also its refusal); another body is refused with
 * `partner_order_id_reused`.
 */
export async function createPartnerOrder(
  d: OrderDeps,
  actor: Actor,
  input: PartnerOrderInput,
  toProblem: (e: DomainError) => StoredResponse,
  opts: { holdSeconds?: number } = {},
): Promise<StoredResponse & { replayed: boolean }> {
  const channelId = channelOf(actor);
  const k: IdempotencyKey = {
    scope: `partner-order:${channelId}`,
    key: input.partnerOrderId,
    requestHash: requestHash('POST', 'partner-order', input),
  };
  const deps = opts.holdSeconds
    ? { ...d, holdTtlSeconds: Math.min(MAX_HOLD_SECONDS, Math.max(MIN_HOLD_SECONDS, opts.holdSeconds)) }
    : d;
  try {
    const out = await runIdempotent(
      d.db,
      d.clock,
      k,
      async (key) => {
        const { accessToken: _t, ...view } = await placeOrder(
          deps,
          actor,
          { ...input, channelId, coupons: [] },
          key,
        );
        return { status: 201, body: view, storedInTransaction: true };
      },
      toProblem,
    );
    // the stored answer is the visitor's (with the order's access token); partners never get that token
    if (out.status < 400 && out.body && typeof out.body === 'object' && 'accessToken' in out.body) {
      const { accessToken: _t, ...view } = out.body;
      return { ...out, body: view };
    }
    return out;
  } catch (e) {
    if (isDomainError(e) && e.code === 'idempotency_key_reused')
      throw conflict(
        'partner_order_id_reused',
        `partner order id ${input.partnerOrderId} was already used for a different order`,
      );
    throw e;
  }
}

/** The order behind a partner's order id (or Scenic's order id), within its channel. */
export async function findPartnerOrder(db: Knex, actor: Actor, ref: string): Promise<OrderRow> {
  const channelId = channelOf(actor);
  const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(ref);
  const row = await db('orders')
    .where({ channel_id: channelId })
    .andWhere(
      (q) =>
        void (isUuid
          ? q.where({ partner_order_id: ref }).orWhere({ id: ref })
          : q.where({ partner_order_id: ref })),
    )
    .first('id');
  if (!row) throw notFound('order_not_found', `no order ${ref} for this partner`);
  return loadOrder(db, row.id);
}

/** Filters of a partner's order list (OCTO's booking list): all optional, dates are visit dates. */
export interface PartnerOrderFilter {
  areaId?: string;
  orderId?: string;
  from?: string;
  to?: string;
}

/** The partner's own orders matching `f`, newest first, at most `limit`. */
export function listPartnerOrders(
  db: Knex,
  actor: Actor,
  f: PartnerOrderFilter,
  limit: number,
): Promise<OrderRow[]> {
  return db('orders')
    .where({ channel_id: channelOf(actor) })
    .modify((q) => {
      if (f.areaId) void q.where({ area_id: f.areaId });
      if (f.orderId) void q.where({ id: f.orderId });
      if (f.from) void q.where('visit_date', '>=', f.from);
      if (f.to) void q.where('visit_date', '<=', f.to);
    })
    .orderBy([
      { column: 'created_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .limit(limit);
}

export async function viewPartnerOrder(d: OrderDeps, actor: Actor, ref: string): Promise<PartnerOrderView> {
  const o = await findPartnerOrder(d.db, actor, ref);
  return viewOrder(d.db, d.vault, o.id);
}

/**
 * Confirms a held partner order as paid on the partner's account: tickets are issued at
 * once and the amount goes on the partner's settlement statement. Idempotent: a second
 * confirm returns the issued order.
 */
export async function confirmPartnerOrder(
  d: OrderDeps,
  actor: Actor,
  ref: string,
): Promise<PartnerOrderView> {
  const o = await findPartnerOrder(d.db, actor, ref);
  if (o.status === 'issued' || o.status === 'partially_refunded' || o.status === 'refunded')
    return viewOrder(d.db, d.vault, o.id);
  if (o.status === 'expired' || (o.status === 'held' && o.expires_at && o.expires_at <= d.clock.now()))
    throw conflict('hold_expired', 'the hold on this order has expired; create a new order');
  if (o.status !== 'held') throw conflict('order_not_payable', `order is ${o.status}`);
  const r = await recordOfflinePayment(d, actor, o.id, 'account', { partner: actor.id });
  if (r.outcome === 'refund_required')
    throw conflict('stock_unavailable', 'the hold lapsed and the stock is gone; nothing is charged');
  if (r.outcome === 'failed') throw conflict('order_not_payable', 'the order could not be confirmed');
  await audit(d.db, actor, 'scenic.partner.order_confirmed', o.id, {
    partnerOrderId: o.partner_order_id,
    amount: o.amount_total,
  });
  return r.order;
}

/** How long a partner asks to keep holding (OCTO `expirationMinutes`), from now. */
export const ExtendHoldInput = z
  .object({
    expirationMinutes: z
      .number()
      .int()
      .min(MIN_HOLD_SECONDS / 60)
      .max(MAX_HOLD_SECONDS / 60)
      .default(30),
  })
  .strict();
export type ExtendHoldInput = z.output<typeof ExtendHoldInput>;

/**
 * Keeps a partner's unpaid hold for `expirationMinutes` more from now (OCTO extend),
 * within the hold's lifetime limit; repeating it is harmless.
 */
export async function extendPartnerOrder(
  d: OrderDeps,
  actor: Actor,
  ref: string,
  input: ExtendHoldInput,
): Promise<PartnerOrderView> {
  const o = await findPartnerOrder(d.db, actor, ref);
  return extendHold(d, actor, o.id, input.expirationMinutes * 60);
}

/**
 * Moves a partner's confirmed order to another date and slot (OCTO booking update), by
 * the product's reschedule rules. Asking again for where it already is returns it
 * unchanged, so a retried update is harmless. A hold does not move: the partner cancels
 * it and reserves again.
 */
export async function reschedulePartnerOrder(
  d: OrderDeps,
  actor: Actor,
  ref: string,
  to: { date: string; slotId: string },
): Promise<PartnerOrderView> {
  const o = await findPartnerOrder(d.db, actor, ref);
  if (o.status === 'held')
    throw conflict('order_not_reschedulable', 'an unpaid hold cannot move; cancel it and reserve again');
  if (
    o.visit_date === to.date &&
    o.slot_id === to.slotId &&
    (o.status === 'issued' || o.status === 'partially_refunded')
  )
    return viewOrder(d.db, d.vault, o.id);
  return rescheduleOrder(d, actor, o.id, to);
}

/** Gives up an unpaid hold (idempotent); a paid order must be refunded instead. */
export async function cancelPartnerOrder(d: OrderDeps, actor: Actor, ref: string): Promise<PartnerOrderView> {
  const o = await findPartnerOrder(d.db, actor, ref);
  await endHold(d, o.id, 'cancelled', actor);
  return viewOrder(d.db, d.vault, o.id);
}

export async function refundPartnerOrder(d: OrderDeps, actor: Actor, ref: string, input: RefundInput) {
  const o = await findPartnerOrder(d.db, actor, ref);
  // given back on the partner's settlement statement (refunds.ts routes it by the payment)
  return refundOrder(d, actor, o.id, input);
}

export interface PartnerTicket {
  ticketId: string;
  productId: string;
  status: string;
  /** the signed QR payload to show the visitor (null until issued, or once revoked) */
  code: string | null;
  visitorName: string;
  entriesAllowed: number;
  entriesUsed: number;
}

export async function partnerTickets(
  d: OrderDeps,
  actor: Actor,
  ref: string,
): Promise<{ orderId: string; partnerOrderId: string | null; status: string; tickets: PartnerTicket[] }> {
  const v = await viewPartnerOrder(d, actor, ref);
  return {
    orderId: v.id,
    partnerOrderId: v.partnerOrderId,
    status: v.status,
    tickets: v.tickets.map((t) => ({
      ticketId: t.id,
      productId: t.productId,
      status: t.status,
      code: t.code,
      visitorName: t.visitor.name,
      entriesAllowed: t.entriesAllowed,
      entriesUsed: t.entriesUsed,
    })),
  };
}

/** Redemption status of one ticket sold through the partner's channel. */
export async function ticketStatus(db: Knex, actor: Actor, ticketId: string) {
  const channelId = channelOf(actor);
  type Row = Pick<
    TicketRow,
    | 'id'
    | 'order_id'
    | 'status'
    | 'entries_allowed'
    | 'entries_used'
    | 'issued_at'
    | 'revoked_at'
    | 'visit_date'
    | 'slot_id'
  > &
    Pick<OrderRow, 'partner_order_id'>;
  const t = await db('tickets as t')
    .join('orders as o', 'o.id', 't.order_id')
    .where({ 't.id': ticketId, 'o.channel_id': channelId })
    .first<Row | undefined>(
      't.id',
      't.order_id',
      'o.partner_order_id',
      't.status',
      't.entries_allowed',
      't.entries_used',
      't.issued_at',
      't.revoked_at',
      db.raw('t.visit_date::text as visit_date'),
      't.slot_id',
    );
  if (!t) throw notFound('ticket_not_found', `no ticket ${ticketId} for this partner`);
  const last = await db('checkin_scans')
    .where({ ticket_id: ticketId, direction: 'in', decision: 'admit' })
    .max({ at: 'scanned_at' })
    .first<{ at: Date | null } | undefined>();
  return {
    ticketId: t.id,
    orderId: t.order_id,
    partnerOrderId: t.partner_order_id,
    status: t.status,
    date: t.visit_date,
    slotId: t.slot_id,
    entriesAllowed: t.entries_allowed,
    entriesUsed: t.entries_used,
    redeemed: t.entries_used > 0,
    fullyRedeemed: t.entries_used >= t.entries_allowed,
    lastEntryAt: last?.at ? last.at.toISOString() : null,
    issuedAt: t.issued_at ? t.issued_at.toISOString() : null,
    revokedAt: t.revoked_at ? t.revoked_at.toISOString() : null,
  };
}
