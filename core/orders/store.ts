import type { Knex } from 'knex';
import type { Redis } from '../redis/client.js';
import type { HoldPolicy } from './hold-caps.js';
import type { Logger } from '../log.js';
import type { Clock } from '../clock.js';
import type { Catalog } from '../catalog/catalog.js';
import type { Inventory } from '../inventory/inventory.js';
import type { PiiVault } from '../pii/crypto.js';
import type { KeyRing } from '../tickets/keys.js';
import type { PaymentProviders } from '../payments/config.js';
import { maskIdNumber, maskName, maskPhone } from '../pii/mask.js';
import { notFound } from '../errors.js';
import type { OrderLineRow, OrderRow, TicketRow } from '../db/tables.js';
import type { OrderView, TicketView } from './model.js';
import { attendance, type MaskedParty } from '../groups/model.js';

/** Everything the order operations need, injected (tests pass a ManualClock). */
export interface OrderDeps {
  db: Knex;
  inventory: Inventory;
  catalog: Catalog;
  vault: PiiVault;
  keys: () => Promise<KeyRing>;
  clock: Clock;
  /** the deployment's payment providers, by name, the default first */
  payments: PaymentProviders;
  log: Logger;
  holdTtlSeconds: number;
  /** held-units budgets of visitors (core/orders/hold-caps.ts); none = no caps (tools, tests of other things) */
  holdCaps?: { redis: Redis; policy: HoldPolicy };
  /** where payment providers call back, e.g. https://api.example/v1/payments/callback */
  callbackBaseUrl: string;
  /** where visitors reach the platform (the provider sends the payer back here) */
  publicUrl: string;
  /** a refused provider refund is sent this many times, then `failed` and alerted */
  refundMaxAttempts: number;
  /** told what happened to a payment notice, a recovered payment or a refund (metrics) */
  onPaymentEvent?: (e: PaymentEvent) => void;
  /** schedules the release of a hold at its expiry (a BullMQ delayed job in production) */
  onHoldPlaced?: (orderId: string, expiresAt: Date) => Promise<void>;
  /** told after a commit that stock was freed (waiting list, sold-out caches) */
  onStockFreed?: (areaId: string, date: string, slotId: string) => void;
  /** told after a commit what happened to an order (metrics: catalog ids only, never order or visitor ids) */
  onOutcome?: (e: OrderOutcome) => void;
}

/** Payment facts for the metrics: small fixed vocabularies, never ids. */
export type PaymentEvent =
  | { kind: 'notice'; provider: string; result: NoticeResult }
  | { kind: 'mismatch'; provider: string; source: 'notice' | 'query' | 'close' }
  | { kind: 'recovered'; provider: string; source: 'query' | 'close' }
  | { kind: 'refund'; method: 'provider' | 'counter'; result: 'succeeded' | 'retry' | 'failed' | 'abnormal' };

/**
 * What became of a provider's notification: applied (moved the books), duplicate or
 * stale (already known, acknowledged), or refused — a bad signature (or stale, or for
 * another merchant), unreadable, for a payment Scenic never created, or not matching it.
 */
export type NoticeResult =
  'applied' | 'duplicate' | 'bad_signature' | 'malformed' | 'unknown_payment' | 'mismatch';

export interface OrderOutcome {
  kind: 'held' | 'issued' | 'refunded' | 'expired' | 'cancelled' | 'refused';
  areaId: string;
  date: string;
  slotId: string;
  channelId: string;
  tickets: number;
  /** minor units */
  amount: number;
  /** refund reason or inventory refusal */
  reason?: string;
}

export async function loadOrder(db: Knex, id: string, forUpdate = false): Promise<OrderRow> {
  const q = db('orders').where({ id }).first();
  const row = await (forUpdate ? q.forUpdate() : q);
  if (!row) throw notFound('order_not_found', `no order ${id}`);
  return row;
}

/**
 * The tickets of an order, in id order. `lock` takes their row locks (in the same id
 * order as the gate ledger), so a refund or reschedule and a gate admitting one of them
 * serialise: whichever commits second sees the other's result.
 */
export async function loadTickets(db: Knex, orderId: string, lock = false): Promise<TicketRow[]> {
  const q = db('tickets').where({ order_id: orderId }).orderBy('id');
  return lock ? q.forUpdate() : q;
}

/** The order as its owner may see it: personal data masked, codes included. */
export function orderView(
  vault: PiiVault,
  o: OrderRow,
  lines: readonly OrderLineRow[],
  tickets: readonly TicketRow[],
): OrderView {
  return orderViewOf(o, lines, tickets, {
    phone: o.contact_phone_enc ? vault.decrypt(o.contact_phone_enc) : null,
    names: tickets.map((t) => vault.decrypt(t.visitor_name_enc)),
  });
}

/** The columns of an order, its lines and its tickets that its view shows. */
export type ViewedOrder = Pick<
  OrderRow,
  | 'id'
  | 'status'
  | 'area_id'
  | 'visit_date'
  | 'slot_id'
  | 'channel_id'
  | 'currency'
  | 'amount_total'
  | 'amount_refunded'
  | 'expires_at'
  | 'paid_at'
  | 'partner_order_id'
  | 'pricing'
  | 'created_at'
>;
export type ViewedLine = Pick<OrderLineRow, 'product_id' | 'quantity' | 'unit_price' | 'amount'>;
export type ViewedTicket = Pick<
  TicketRow,
  | 'id'
  | 'product_id'
  | 'area_id'
  | 'status'
  | 'id_type'
  | 'id_masked'
  | 'price'
  | 'entries_allowed'
  | 'entries_used'
  | 'code'
  | 'group_masked'
>;

/**
 * The view of an order from its columns and its personal data in clear (the contact
 * phone, each ticket's visitor name): a new order is shown from what it was written
 * with, without reading or unsealing it again (issue 19).
 */
export function orderViewOf(
  o: ViewedOrder,
  lines: readonly ViewedLine[],
  tickets: readonly ViewedTicket[],
  clear: { phone: string | null; names: readonly string[] },
): OrderView {
  return {
    id: o.id,
    status: o.status,
    areaId: o.area_id,
    date: o.visit_date,
    slotId: o.slot_id,
    channelId: o.channel_id,
    currency: o.currency,
    amountTotal: o.amount_total,
    amountRefunded: o.amount_refunded,
    contactPhone: clear.phone !== null ? maskPhone(clear.phone) : null,
    expiresAt: o.status === 'held' && o.expires_at ? o.expires_at.toISOString() : null,
    paidAt: o.paid_at ? o.paid_at.toISOString() : null,
    partnerOrderId: o.partner_order_id,
    lines: lines.map((l) => ({
      productId: l.product_id,
      quantity: l.quantity,
      unitPrice: l.unit_price,
      amount: l.amount,
    })),
    tickets: tickets.map((t, i): TicketView => ({
      id: t.id,
      productId: t.product_id,
      areaId: t.area_id,
      status: t.status,
      visitor: {
        name: maskName(clear.names[i]!),
        idType: t.id_type,
        idNumber: t.id_masked,
      },
      price: t.price,
      entriesAllowed: t.entries_allowed,
      entriesUsed: t.entries_used,
      code: t.status === 'valid' ? t.code : null,
      ...(t.group_masked ? { group: groupOf(t.group_masked, t.entries_used) } : {}),
    })),
    pricing: o.pricing,
    createdAt: o.created_at.toISOString(),
  };
}

/** A group ticket's party and where it stands (core/groups). */
const groupOf = (party: MaskedParty, entered: number) => {
  const a = attendance(party.size, entered, '', '');
  return { ...party, entered: a.entered, noShows: a.noShows };
};

export async function viewOrder(db: Knex, vault: PiiVault, id: string): Promise<OrderView> {
  const o = await loadOrder(db, id);
  const [lines, tickets] = await Promise.all([
    db('order_lines').where({ order_id: id }).orderBy('id'),
    loadTickets(db, id),
  ]);
  return orderView(vault, o, lines, tickets);
}

/**
 * The views of several orders in three reads (orders, their lines, their tickets), in
 * the order of `rows`, whatever their number: a page of a list costs what one order does.
 */
export async function viewOrders(db: Knex, vault: PiiVault, rows: readonly OrderRow[]): Promise<OrderView[]> {
  if (!rows.length) return [];
  const ids = rows.map((o) => o.id);
  const [lines, tickets] = await Promise.all([
    db('order_lines').whereIn('order_id', ids).orderBy('id'),
    db('tickets').whereIn('order_id', ids).orderBy('id'),
  ]);
  const of = <T extends { order_id: string }>(all: readonly T[], id: string) =>
    all.filter((x) => x.order_id === id);
  return rows.map((o) => orderView(vault, o, of(lines, o.id), of(tickets, o.id)));
}

/** A page of the orders placed with a contact phone, newest first (`before`: the last id of the previous page). */
export function ordersByPhone(
  db: Knex,
  phoneHash: string,
  page: { limit: number; before?: string },
): Promise<OrderRow[]> {
  const q = db('orders').where({ contact_phone_hash: phoneHash }).orderBy('id', 'desc').limit(page.limit);
  return page.before ? q.andWhere('id', '<', page.before) : q;
}

/** Whether an order is in the books; undefined when that cannot be told (the read failed). */
export function orderExists(db: Knex, id: string): Promise<boolean | undefined> {
  return db('orders')
    .where({ id })
    .first('id')
    .then(
      (r) => r !== undefined,
      () => undefined,
    );
}

/** A held order's status and expiry, or undefined (the hold-expiry job's second look). */
export function holdState(
  db: Knex,
  id: string,
): Promise<Pick<OrderRow, 'status' | 'expires_at'> | undefined> {
  return db('orders').where({ id }).first('status', 'expires_at');
}

/** The sealed contact phone of an order, if it has one. */
export async function contactPhoneOf(db: Knex, orderId: string): Promise<string | null> {
  const o = await db('orders').where({ id: orderId }).first('contact_phone_enc');
  return o?.contact_phone_enc ?? null;
}

export { maskIdNumber };
