import type { Knex } from 'knex';
import { toCsv } from '../csv.js';
import { zonedDayRange } from '../time.js';
import {
  settle,
  statements,
  type MoneyEvent,
  type PartyStatement,
  type SettlementOrder,
  type StatementTotals,
} from './settle.js';

/**
 * Statements per party (areas, suppliers, sellers) for a period of calendar days in a
 * time zone, computed from the books every time (never stored), like the partner
 * statements (core/channels/settlement.ts): a **sale** is a payment that took money
 * (succeeded, or refunded since) at its `paid_at`; a **refund** is a refund booked
 * (not failed) at its `created_at`. Their parts follow core/settlement/settle.ts.
 */
export interface SettlementQuery {
  from: string;
  to: string;
  timezone: string;
  /** only these parties' statements (the totals stay the whole period's) */
  party?: string;
}

export interface SettlementReport {
  from: string;
  to: string;
  timezone: string;
  currency: 'CNY';
  parties: PartyStatement[];
  totals: StatementTotals;
}

const TAKEN = ['succeeded', 'refunded'] as const;

/** Every sale and refund of the orders that have one in [from, to), with what their split needs. */
async function booksOf(db: Knex, from: Date, to: Date) {
  const ids = new Set<string>([
    ...(await db('payments')
      .whereIn('status', TAKEN)
      .where('paid_at', '>=', from)
      .where('paid_at', '<', to)
      .pluck('order_id')),
    ...(await db('refunds')
      .whereNot({ status: 'failed' })
      .where('created_at', '>=', from)
      .where('created_at', '<', to)
      .pluck('order_id')),
  ]);
  const list = [...ids];
  const [orders, terms, parties, payments, refunds] = await Promise.all([
    db('orders').whereIn('id', list).select('id', 'area_id', 'channel_id'),
    db('order_terms').whereIn('order_id', list).select('order_id', 'commission_bps'),
    db('order_parties').whereIn('order_id', list).orderBy(['order_id', 'position']),
    db('payments').whereIn('order_id', list).whereIn('status', TAKEN).whereNotNull('paid_at'),
    db('refunds').whereIn('order_id', list).whereNot({ status: 'failed' }),
  ]);
  const rate = new Map(terms.map((t) => [t.order_id, t.commission_bps]));
  const byOrder = new Map<string, SettlementOrder>();
  for (const o of orders) {
    const own = parties.filter((p) => p.order_id === o.id);
    byOrder.set(o.id, {
      id: o.id,
      channelId: o.channel_id,
      commissionBps: rate.get(o.id) ?? 0,
      parties: own.length
        ? own.map((p) => ({ party: p.party, weight: p.share_bps }))
        : [{ party: `area:${o.area_id}`, weight: 1 }],
    });
  }
  const events: MoneyEvent[] = [
    ...payments.map((p) => ({
      kind: 'sale' as const,
      id: p.id,
      orderId: p.order_id,
      at: p.paid_at!,
      amount: p.amount,
    })),
    ...refunds.map((r) => ({
      kind: 'refund' as const,
      id: r.id,
      orderId: r.order_id,
      at: r.created_at,
      amount: r.amount,
    })),
  ];
  return { byOrder, events };
}

export async function settlementReport(db: Knex, q: SettlementQuery): Promise<SettlementReport> {
  const from = zonedDayRange(q.from, q.timezone).from;
  const to = zonedDayRange(q.to, q.timezone).to;
  const { byOrder, events } = await booksOf(db, from, to);
  const inPeriod = settle(byOrder, events).filter((e) => e.at >= from && e.at < to);
  const { parties, totals } = statements(inPeriod);
  return {
    from: q.from,
    to: q.to,
    timezone: q.timezone,
    currency: 'CNY',
    parties: q.party ? parties.filter((p) => p.party === q.party) : parties,
    totals,
  };
}

/** The report as CSV: one row per party (fen), then the totals row. */
export function settlementCsv(r: SettlementReport): string {
  return toCsv([
    ['party', 'role', 'sales_fen', 'refunds_fen', 'total_fen', 'events'],
    ...r.parties.map((p) => [p.party, p.role, p.sales, p.refunds, p.total, p.events]),
    ['total', '', r.totals.sales, -r.totals.refunds, r.totals.taken, ''],
  ]);
}
