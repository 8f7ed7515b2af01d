import type { Knex } from 'knex';
import type { Logger } from '../log.js';
import type { Clock } from '../clock.js';
import type { Catalog } from '../catalog/catalog.js';
import type { Inventory } from '../inventory/inventory.js';
import type { PiiVault } from '../pii/crypto.js';
import type { KeyRing } from '../tickets/keys.js';
import type { PaymentGateway } from '../payments/gateway.js';
import { maskIdNumber, maskName, maskPhone } from '../pii/mask.js';
import { notFound } from '../errors.js';
import type { Actor, OrderStatus, OrderView, TicketStatus, TicketView } from './model.js';
import { actorName } from './model.js';

/** Everything the order operations need, injected (tests pass a ManualClock). */
export interface OrderDeps {
  db: Knex;
  inventory: Inventory;
  catalog: Catalog;
  vault: PiiVault;
  keys: () => Promise<KeyRing>;
  clock: Clock;
  gateway: PaymentGateway;
  log: Logger;
  holdTtlSeconds: number;
  /** where payment providers call back, e.g. https://api.example/v1/payments/callback */
  callbackBaseUrl: string;
  /** schedules the release of a hold at its expiry (a BullMQ delayed job in production) */
  onHoldPlaced?: (orderId: string, expiresAt: Date) => Promise<void>;
  /** told after a commit that stock was freed (waiting list, sold-out caches) */
  onStockFreed?: (areaId: string, date: string, slotId: string) => void;
  /** told after a commit what happened to an order (metrics: catalog ids only, never order or visitor ids) */
  onOutcome?: (e: OrderOutcome) => void;
}

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

export interface OrderRow {
  id: string;
  area_id: string;
  visit_date: string;
  slot_id: string;
  channel_id: string;
  status: OrderStatus;
  amount_total: number;
  amount_refunded: number;
  currency: string;
  contact_phone_enc: string | null;
  contact_phone_hash: string | null;
  access_token_hash: string;
  partner_order_id: string | null;
  res_id: string;
  actor: string;
  pricing: unknown;
  expires_at: Date | null;
  paid_at: Date | null;
  created_at: Date;
}

export interface TicketRow {
  id: string;
  order_id: string;
  order_line_id: number;
  product_id: string;
  area_id: string;
  visit_date: string;
  slot_id: string;
  units: number;
  price: number;
  status: TicketStatus;
  entries_allowed: number;
  entries_used: number;
  visitor_name_enc: string;
  id_type: string;
  id_number_enc: string;
  id_hash: string;
  id_masked: string;
  code: string | null;
}

// DATE columns come back as JS Dates at local midnight unless told otherwise.
export const dateOf = (d: string | Date) =>
  typeof d === 'string'
    ? d
    : `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;

export async function loadOrder(db: Knex, id: string, forUpdate = false): Promise<OrderRow> {
  const q = db<OrderRow>('orders').where({ id }).first();
  const row = await (forUpdate ? q.forUpdate() : q);
  if (!row) throw notFound('order_not_found', `no order ${id}`);
  return { ...row, visit_date: dateOf(row.visit_date) };
}

/**
 * The tickets of an order, in id order. `lock` takes their row locks (in the same id
 * order as the gate ledger), so a refund or reschedule and a gate admitting one of them
 * serialise: whichever commits second sees the other's result.
 */
export async function loadTickets(db: Knex, orderId: string, lock = false): Promise<TicketRow[]> {
  const q = db<TicketRow>('tickets').where({ order_id: orderId }).orderBy('id');
  const rows = await (lock ? q.forUpdate() : q);
  return rows.map((t) => ({ ...t, visit_date: dateOf(t.visit_date) }));
}

export async function audit(
  db: Knex,
  actor: Actor,
  action: string,
  subject: string,
  data: Record<string, unknown> = {},
): Promise<void> {
  await db('audit_log').insert({ actor: actorName(actor), action, subject, data: JSON.stringify(data) });
}

export async function outbox(
  db: Knex,
  topic: string,
  aggregateId: string,
  payload: Record<string, unknown>,
): Promise<void> {
  await db('outbox').insert({ topic, aggregate_id: aggregateId, payload: JSON.stringify(payload) });
}

/** The order as its owner may see it: personal data masked, codes included. */
export function orderView(
  vault: PiiVault,
  o: OrderRow,
  lines: Record<string, unknown>[],
  tickets: TicketRow[],
): OrderView {
  return {
    id: o.id,
    status: o.status,
    areaId: o.area_id,
    date: dateOf(o.visit_date),
    slotId: o.slot_id,
    channelId: o.channel_id,
    currency: o.currency,
    amountTotal: o.amount_total,
    amountRefunded: o.amount_refunded,
    contactPhone: o.contact_phone_enc ? maskPhone(vault.decrypt(o.contact_phone_enc)) : null,
    expiresAt: o.status === 'held' && o.expires_at ? o.expires_at.toISOString() : null,
    paidAt: o.paid_at ? o.paid_at.toISOString() : null,
    partnerOrderId: o.partner_order_id,
    lines: lines.map((l) => ({
      productId: l.product_id as string,
      quantity: l.quantity as number,
      unitPrice: l.unit_price as number,
      amount: l.amount as number,
    })),
    tickets: tickets.map((t): TicketView => ({
      id: t.id,
      productId: t.product_id,
      status: t.status,
      visitor: {
        name: maskName(vault.decrypt(t.visitor_name_enc)),
        idType: t.id_type,
        idNumber: t.id_masked,
      },
      price: t.price,
      entriesAllowed: t.entries_allowed,
      entriesUsed: t.entries_used,
      code: t.status === 'valid' ? t.code : null,
    })),
    pricing: o.pricing,
    createdAt: o.created_at.toISOString(),
  };
}

export async function viewOrder(db: Knex, vault: PiiVault, id: string): Promise<OrderView> {
  const o = await loadOrder(db, id);
  const [lines, tickets] = await Promise.all([
    db('order_lines').where({ order_id: id }).orderBy('id'),
    loadTickets(db, id),
  ]);
  return orderView(vault, o, lines as Record<string, unknown>[], tickets);
}

export { maskIdNumber };
