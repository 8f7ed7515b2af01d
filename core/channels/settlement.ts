import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { toCsv } from '../csv.js';
import type { OrderRow, RefundRow as Refund } from '../db/tables.js';
import { applyBps } from '../pricing/price.js';
import { getPartner } from './partners.js';
import { zonedDayRange } from '../time.js';

/**
 * Daily settlement statements per partner, computed from the books every time (never
 * stored), so a statement for any past day can be produced again and is identical:
 *
 * - a **sale** is a partner order paid (confirmed on account) during the day, for its
 *   whole amount; commission = amount × the channel's rate *when the order was placed*
 *   (`order_terms`), rounded half up to the fen;
 * - a **refund** is a refund booked during the day on a partner order (not `failed`),
 *   negative; commission is given back at the same rate, and the refund that completes
 *   an order's refund gives back exactly what is left of the sale's commission, so a
 *   fully refunded order nets to zero to the fen. Refunds of payments that never became
 *   a sale (`stock_unavailable`, `duplicate_payment`) are not on statements: neither is
 *   their payment.
 * - net = amount − commission: what the partner owes the area for the line.
 *
 * The day is the partner's settlement time zone's calendar day, [00:00, 24:00).
 */
export interface StatementLine {
  kind: 'sale' | 'refund';
  at: string;
  orderId: string;
  partnerOrderId: string | null;
  refundId: string | null;
  areaId: string;
  visitDate: string;
  amount: number;
  commissionBps: number;
  commission: number;
  net: number;
}

export interface Statement {
  partnerId: string;
  channelId: string;
  date: string;
  timezone: string;
  from: string;
  to: string;
  currency: 'CNY';
  lines: StatementLine[];
  totals: {
    orders: number;
    refunds: number;
    salesAmount: number;
    refundedAmount: number;
    gross: number;
    commission: number;
    net: number;
  };
  /** SHA-256 over the lines: equal for equal statements */
  checksum: string;
}

/** A paid order of the partner's channel, with the commission it was sold under (order_terms). */
export type SaleRow = Pick<OrderRow, 'partner_order_id' | 'area_id' | 'visit_date' | 'amount_total'> & {
  order_id: string;
  paid_at: Date;
  commission_bps: number;
};

export type RefundRow = Pick<Refund, 'id' | 'order_id' | 'amount' | 'created_at'>;

/**
 * Pure: the statement lines of a day from its sales, its refunds, and for the orders
 * refunded that day their sale and every earlier refund (to give back commission exactly).
 */
export function statementLines(
  sales: readonly SaleRow[],
  refunds: readonly RefundRow[],
  orders: ReadonlyMap<string, SaleRow>,
  refundHistory: ReadonlyMap<string, readonly RefundRow[]>,
): StatementLine[] {
  const lines: StatementLine[] = [];
  for (const s of sales) {
    const commission = applyBps(Number(s.amount_total), s.commission_bps);
    lines.push({
      kind: 'sale',
      at: s.paid_at.toISOString(),
      orderId: s.order_id,
      partnerOrderId: s.partner_order_id,
      refundId: null,
      areaId: s.area_id,
      visitDate: s.visit_date,
      amount: Number(s.amount_total),
      commissionBps: s.commission_bps,
      commission,
      net: Number(s.amount_total) - commission,
    });
  }
  for (const r of refunds) {
    const o = orders.get(r.order_id);
    if (!o) continue;
    const total = Number(o.amount_total);
    const saleCommission = applyBps(total, o.commission_bps);
    let refunded = 0;
    let given = 0;
    let back = 0;
    for (const h of refundHistory.get(r.order_id) ?? []) {
      const amt = Number(h.amount);
      const c = refunded + amt >= total ? saleCommission - given : applyBps(amt, o.commission_bps);
      refunded += amt;
      given += c;
      if (h.id === r.id) {
        back = c;
        break;
      }
    }
    const amount = Number(r.amount);
    lines.push({
      kind: 'refund',
      at: r.created_at.toISOString(),
      orderId: r.order_id,
      partnerOrderId: o.partner_order_id,
      refundId: r.id,
      areaId: o.area_id,
      visitDate: o.visit_date,
      amount: -amount,
      commissionBps: o.commission_bps,
      commission: -back,
      net: -(amount - back),
    });
  }
  lines.sort((a, b) =>
    a.at < b.at ? -1 : a.at > b.at ? 1 : (a.refundId ?? a.orderId) < (b.refundId ?? b.orderId) ? -1 : 1,
  );
  return lines;
}

export function totalsOf(lines: readonly StatementLine[]): Statement['totals'] {
  const sales = lines.filter((l) => l.kind === 'sale');
  const refunds = lines.filter((l) => l.kind === 'refund');
  const sum = (ls: readonly StatementLine[], f: (l: StatementLine) => number) =>
    ls.reduce((s, l) => s + f(l), 0);
  const gross = sum(lines, (l) => l.amount);
  const commission = sum(lines, (l) => l.commission);
  return {
    orders: sales.length,
    refunds: refunds.length,
    salesAmount: sum(sales, (l) => l.amount),
    refundedAmount: sum(refunds, (l) => -l.amount),
    gross,
    commission,
    net: gross - commission,
  };
}

const saleColumns = (db: Knex) => [
  'o.id as order_id',
  'o.partner_order_id',
  'o.area_id',
  db.raw('o.visit_date::text as visit_date'),
  'o.amount_total',
  'o.paid_at',
  db.raw('coalesce(ot.commission_bps, c.commission_bps) as commission_bps'),
];

/** Refunds that give back a payment which never became a sale (core/orders/payment.ts). */
const PAYMENT_NOT_A_SALE = ['stock_unavailable', 'duplicate_payment'];

/** The statement of one partner for one day of its settlement time zone. */
export async function settlementStatement(db: Knex, partnerId: string, date: string): Promise<Statement> {
  const partner = await getPartner(db, partnerId);
  const { from, to } = zonedDayRange(date, partner.settlementTimezone);
  const base = () =>
    db('orders as o')
      .leftJoin('order_terms as ot', 'ot.order_id', 'o.id')
      .join('channels as c', 'c.id', 'o.channel_id')
      .where('o.channel_id', partner.channelId);
  const sales = await base()
    .andWhere('o.paid_at', '>=', from)
    .andWhere('o.paid_at', '<', to)
    .select<SaleRow[]>(saleColumns(db));
  const refunds = await db('refunds as r')
    .join('orders as o', 'o.id', 'r.order_id')
    .where('o.channel_id', partner.channelId)
    .andWhere('r.created_at', '>=', from)
    .andWhere('r.created_at', '<', to)
    .whereNot('r.status', 'failed')
    .whereNotIn('r.reason_code', PAYMENT_NOT_A_SALE)
    .select<RefundRow[]>('r.id', 'r.order_id', 'r.amount', 'r.created_at');
  const orderIds = [...new Set(refunds.map((r) => r.order_id))];
  const orders = new Map<string, SaleRow>();
  const history = new Map<string, RefundRow[]>();
  if (orderIds.length) {
    for (const o of await base()
      .whereIn('o.id', orderIds)
      .whereNotNull('o.paid_at')
      .select<SaleRow[]>(saleColumns(db)))
      orders.set(o.order_id, o);
    const all = await db('refunds')
      .whereIn('order_id', orderIds)
      .whereNot('status', 'failed')
      .whereNotIn('reason_code', PAYMENT_NOT_A_SALE)
      .orderBy([{ column: 'created_at' }, { column: 'id' }])
      .select('id', 'order_id', 'amount', 'created_at');
    for (const r of all) history.set(r.order_id, [...(history.get(r.order_id) ?? []), r]);
  }
  const lines = statementLines(sales, refunds, orders, history);
  return {
    partnerId,
    channelId: partner.channelId,
    date,
    timezone: partner.settlementTimezone,
    from: from.toISOString(),
    to: to.toISOString(),
    currency: 'CNY',
    lines,
    totals: totalsOf(lines),
    checksum: createHash('sha256').update(JSON.stringify(lines)).digest('hex'),
  };
}

const money = (minor: number) =>
  `${minor < 0 ? '-' : ''}${Math.floor(Math.abs(minor) / 100)}.${String(Math.abs(minor) % 100).padStart(2, '0')}`;
/** CSV of a statement (core/csv.ts): one row per line, then a totals row; money in yuan. */
export function settlementCsv(s: Statement): string {
  const head = [
    'kind',
    'at',
    'order_id',
    'partner_order_id',
    'refund_id',
    'area_id',
    'visit_date',
    'amount',
    'commission_bps',
    'commission',
    'net',
  ];
  const rows = s.lines.map((l) => [
    l.kind,
    l.at,
    l.orderId,
    l.partnerOrderId ?? '',
    l.refundId ?? '',
    l.areaId,
    l.visitDate,
    money(l.amount),
    String(l.commissionBps),
    money(l.commission),
    money(l.net),
  ]);
  const t = s.totals;
  rows.push(['total', s.to, '', '', '', '', s.date, money(t.gross), '', money(t.commission), money(t.net)]);
  return toCsv([head, ...rows]);
}
