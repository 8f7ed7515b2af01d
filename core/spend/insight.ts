import type { Knex } from 'knex';
import type { SpendCategory } from '../db/tables.js';
import { SPEND_BANDS, spendBand, type SpendBand } from './bands.js';

/**
 * What the sales of an area's merchants tell (issue 22): spend inside the area per ticket,
 * order and member; the visits that spent nothing inside (entered, no sale on their
 * order); bands; and the manager's report by category and day. Amounts are net of refunds.
 */
export interface SpendSummary {
  net: number;
  sales: number;
  byCategory: Record<SpendCategory, number>;
  band: SpendBand;
}

const emptyByCategory = (): Record<SpendCategory, number> => ({ shop: 0, restaurant: 0, parking: 0 });

function summary(
  rows: { category: SpendCategory; net: string | number; n: string | number }[],
): SpendSummary {
  const byCategory = emptyByCategory();
  let net = 0;
  let sales = 0;
  for (const r of rows) {
    byCategory[r.category] += Number(r.net);
    net += Number(r.net);
    sales += Number(r.n);
  }
  return { net, sales, byCategory, band: spendBand(net) };
}

export type SpendOf = { ticketId: string } | { orderId: string } | { accountId: string };

/**
 * Spend inside the area of one ticket, one order (all its tickets), or one member (the
 * sales naming them and those on tickets of orders they bought as a member).
 */
export async function spendOf(db: Knex, areaId: string, of: SpendOf): Promise<SpendSummary> {
  const q = db('spend_sales as s')
    .where('s.area_id', areaId)
    .groupBy('s.category')
    .select<{ category: SpendCategory; net: string; n: string }[]>(
      's.category',
      db.raw('sum(s.amount - s.amount_refunded) as net'),
      db.raw('count(*) as n'),
    );
  if ('ticketId' in of) q.where('s.ticket_id', of.ticketId);
  else if ('orderId' in of) q.where('s.order_id', of.orderId);
  else
    q.where(
      (w) =>
        void w
          .where('s.account_id', of.accountId)
          .orWhereIn(
            's.order_id',
            db('member_orders').where({ account_id: of.accountId }).select('order_id'),
          ),
    );
  return summary(await q);
}

/** Net spend inside the area per member since `from` (for segments: core/members/segments.ts). */
export async function memberInsideSpend(db: Knex, areaId: string, from: Date): Promise<Map<string, number>> {
  const rows = await db('spend_sales as s')
    .leftJoin('member_orders as mo', 'mo.order_id', 's.order_id')
    .where('s.area_id', areaId)
    .where('s.sold_at', '>=', from)
    .where((w) => void w.whereNotNull('s.account_id').orWhereNotNull('mo.account_id'))
    .groupByRaw('coalesce(s.account_id, mo.account_id)')
    .select<{ account_id: string; net: string }[]>(
      db.raw('coalesce(s.account_id, mo.account_id) as account_id'),
      db.raw('sum(s.amount - s.amount_refunded) as net'),
    );
  return new Map(rows.map((r) => [r.account_id, Number(r.net)]));
}

export interface SpendReport {
  areaId: string;
  from: string;
  to: string;
  days: {
    date: string;
    category: SpendCategory;
    sales: number;
    gross: number;
    refunded: number;
    net: number;
  }[];
  totals: {
    sales: number;
    gross: number;
    refunded: number;
    net: number;
    byCategory: Record<SpendCategory, number>;
  };
  /** orders with an entry in the range: how many, how many spent nothing inside, and by band */
  visits: { entered: number; spentNothingInside: number; bands: Record<SpendBand, number> };
}

/** The manager's report over local days `from`..`to` (inclusive). */
export async function spendReport(db: Knex, areaId: string, from: string, to: string): Promise<SpendReport> {
  const rows = await db('spend_sales')
    .where({ area_id: areaId })
    .whereBetween('local_date', [from, to])
    .groupBy('local_date', 'category')
    .orderBy(['local_date', 'category'])
    .select<{ date: string; category: SpendCategory; sales: string; gross: string; refunded: string }[]>(
      db.raw(`to_char(local_date, 'YYYY-MM-DD') as date`),
      'category',
      db.raw('count(*) as sales'),
      db.raw('sum(amount) as gross'),
      db.raw('sum(amount_refunded) as refunded'),
    );
  const days = rows.map((r) => ({
    date: r.date,
    category: r.category,
    sales: Number(r.sales),
    gross: Number(r.gross),
    refunded: Number(r.refunded),
    net: Number(r.gross) - Number(r.refunded),
  }));
  const byCategory = emptyByCategory();
  for (const d of days) byCategory[d.category] += d.net;
  const sum = (k: 'sales' | 'gross' | 'refunded' | 'net') => days.reduce((a, d) => a + d[k], 0);

  // entered orders: an admitted entry at the area on a day of the range
  const entered = await db('checkin_scans as c')
    .join('tickets as t', 't.id', 'c.ticket_id')
    .where({ 'c.area_id': areaId, 'c.direction': 'in', 'c.decision': 'admit' })
    .whereBetween('c.local_date', [from, to])
    .distinct('t.order_id')
    .pluck<string[]>('t.order_id');
  const spent = entered.length
    ? await db('spend_sales')
        .where({ area_id: areaId })
        .whereIn('order_id', entered)
        .groupBy('order_id')
        .select<{ order_id: string; net: string }[]>(
          'order_id',
          db.raw('sum(amount - amount_refunded) as net'),
        )
    : [];
  const byOrder = new Map(spent.map((s) => [s.order_id, Number(s.net)]));
  const bands = Object.fromEntries(SPEND_BANDS.map((b) => [b, 0])) as Record<SpendBand, number>;
  for (const o of entered) bands[spendBand(byOrder.get(o) ?? 0)]++;
  return {
    areaId,
    from,
    to,
    days,
    totals: {
      sales: sum('sales'),
      gross: sum('gross'),
      refunded: sum('refunded'),
      net: sum('net'),
      byCategory,
    },
    visits: { entered: entered.length, spentNothingInside: bands.none, bands },
  };
}
