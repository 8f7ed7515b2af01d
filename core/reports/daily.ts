import { groupFigures, type GroupDay } from '../groups/report.js';
import type { Knex } from 'knex';
import type { PiiVault } from '../pii/crypto.js';
import { toCsv } from '../csv.js';
import { notFound } from '../errors.js';
import { visitorInsight, type VisitorInsight } from './insight.js';

/**
 * The daily report of an area, for finance and management. Two days meet in it:
 *  - the *sales day*: orders paid on that local date (revenue, channel share, products),
 *    refunds booked and reschedules done on that date;
 *  - the *visit day*: entries by hour and visitor insight for tickets of that date.
 * Money is in integer minor units (fen) straight from the books, so totals match the
 * payment ledger to the cent. It holds no personal data: counts and sums only; the
 * visitor insight reduces ID documents to age bands and regions in memory.
 */
export const REPORT_VERSION = 1;

export interface SalesRow {
  channel: string;
  product: string;
  tickets: number;
  amount: number;
}

export interface DailyReport {
  version: number;
  areaId: string;
  date: string;
  timezone: string;
  currency: string;
  generatedAt: string;
  totals: {
    orders: number;
    tickets: number;
    /** sum of paid orders' totals */
    gross: number;
    /** payments received for those orders (the ledger) */
    payments: number;
    refundsBooked: number;
    refundsPaid: number;
    net: number;
    /** fees the products' policies kept that day (refund and reschedule fees), already inside `net` */
    feesKept: number;
  };
  sales: SalesRow[];
  channels: { channel: string; orders: number; tickets: number; amount: number; sharePercent: number }[];
  refunds: { reason: string; refunds: number; tickets: number; amount: number }[];
  reschedules: number;
  entriesByHour: { hour: number; entries: number }[];
  peakHour: { hour: number; entries: number } | null;
  visitors: VisitorInsight;
  /**
   * Joint tickets (issue 18) at this area, whichever area their order belongs to: those
   * sold on the sales day (this area's share of their price, how many were refunded since),
   * and those that entered here on the visit day, each counted once. Absent from reports
   * stored before joint tickets existed.
   */
  joint?: {
    sales: { product: string; tickets: number; amount: number; refunded: number }[];
    entries: { product: string; entries: number }[];
  };
  /**
   * Group tickets (issue 18, core/groups) whose visit was on this date: parties, persons,
   * persons entered and no-shows per product. Absent from reports stored before groups.
   */
  groups?: GroupDay[];
}

/** `(column at time zone tz)::date = date` as a knex raw condition. */
const onLocalDate = (col: string) => `(${col} at time zone ?)::date = ?::date`;

export async function computeDailyReport(
  db: Knex,
  vault: PiiVault,
  areaId: string,
  date: string,
  now: Date,
): Promise<DailyReport> {
  const area = await db('areas').where({ id: areaId }).first('id', 'timezone');
  if (!area) throw notFound('area_not_found', `no area ${areaId}`);
  const tz = area.timezone;
  const paidOrders = db('orders as o')
    .where('o.area_id', areaId)
    .whereNotNull('o.paid_at')
    .whereRaw(onLocalDate('o.paid_at'), [tz, date]);

  const [orderTotals, payments, sales, refunds, reschedules, entries, visitors, fees] = await Promise.all([
    paidOrders
      .clone()
      .select(
        db.raw('count(*)::int as orders'),
        db.raw('coalesce(sum(o.amount_total), 0)::bigint as gross'),
        db.raw('min(o.currency) as currency'),
      )
      .first() as Promise<{ orders: number; gross: number; currency: string | null }>,
    db('payments as p')
      .whereIn('p.order_id', paidOrders.clone().select('o.id'))
      .whereIn('p.status', ['succeeded', 'refunded'])
      .select(db.raw('coalesce(sum(p.amount), 0)::bigint as amount'))
      .first() as Promise<{ amount: number }>,
    db('tickets as t')
      .join('orders as o', 'o.id', 't.order_id')
      .whereIn('t.order_id', paidOrders.clone().select('o.id'))
      // a reschedule revokes tickets and issues new ones at the same price: count each sale once
      .whereNotIn('t.status', ['rescheduled', 'void'])
      .groupBy('o.channel_id', 't.product_id')
      .orderBy(['o.channel_id', 't.product_id'])
      .select(
        'o.channel_id as channel',
        't.product_id as product',
        db.raw('count(*)::int as tickets'),
        db.raw('sum(t.price)::bigint as amount'),
      ) as Promise<SalesRow[]>,
    db('refunds as r')
      .join('orders as o', 'o.id', 'r.order_id')
      .where('o.area_id', areaId)
      .whereNot('r.status', 'failed')
      .whereRaw(onLocalDate('r.created_at'), [tz, date])
      .groupBy('r.reason_code')
      .orderBy('r.reason_code')
      .select(
        'r.reason_code as reason',
        db.raw('count(*)::int as refunds'),
        db.raw('coalesce(sum(cardinality(r.ticket_ids)), 0)::int as tickets'),
        db.raw('sum(r.amount)::bigint as amount'),
        db.raw(`coalesce(sum(r.amount) filter (where r.status = 'succeeded'), 0)::bigint as paid`),
      ) as Promise<{ reason: string; refunds: number; tickets: number; amount: number; paid: number }[]>,
    db('audit_log as l')
      .joinRaw('join orders as o on o.id::text = l.subject')
      .where({ 'l.action': 'scenic.order.rescheduled', 'o.area_id': areaId })
      .whereRaw(onLocalDate('l.at'), [tz, date])
      .count<{ n: string | number }[]>({ n: '*' }),
    db('checkin_scans')
      .where({ area_id: areaId, local_date: date, direction: 'in', counted: true })
      .groupByRaw('1')
      .orderByRaw('1')
      .select(
        db.raw('extract(hour from scanned_at at time zone ?)::int as hour', [tz]),
        db.raw('count(*)::int as entries'),
      ) as Promise<{ hour: number; entries: number }[]>,
    visitorInsight(db, vault, areaId, date),
    db('policy_fees as f')
      .where('f.area_id', areaId)
      .whereRaw(onLocalDate('f.created_at'), [tz, date])
      .select(db.raw('coalesce(sum(f.amount), 0)::bigint as amount'))
      .first() as Promise<{ amount: number }>,
  ]);

  const joint = await jointFigures(db, areaId, date, tz);
  const groups = await groupFigures(db, areaId, date);
  const gross = Number(orderTotals.gross);
  const byChannel = new Map<string, { orders: number; tickets: number; amount: number }>();
  for (const s of sales) {
    const c = byChannel.get(s.channel) ?? { orders: 0, tickets: 0, amount: 0 };
    c.tickets += s.tickets;
    c.amount += Number(s.amount);
    byChannel.set(s.channel, c);
  }
  const ordersPerChannel = await paidOrders
    .clone()
    .groupBy('o.channel_id')
    .select<{ channel: string; n: number }[]>('o.channel_id as channel', db.raw('count(*)::int as n'));
  for (const r of ordersPerChannel) {
    const c = byChannel.get(r.channel) ?? { orders: 0, tickets: 0, amount: 0 };
    c.orders = r.n;
    byChannel.set(r.channel, c);
  }
  const refundsBooked = refunds.reduce((s, r) => s + Number(r.amount), 0);
  const peak = entries.reduce<{ hour: number; entries: number } | null>(
    (best, e) => (!best || e.entries > best.entries ? e : best),
    null,
  );

  return {
    version: REPORT_VERSION,
    areaId,
    date,
    timezone: tz,
    currency: orderTotals.currency ?? 'CNY',
    generatedAt: now.toISOString(),
    totals: {
      orders: orderTotals.orders,
      tickets: sales.reduce((s, r) => s + r.tickets, 0),
      gross,
      payments: Number(payments.amount),
      refundsBooked,
      refundsPaid: refunds.reduce((s, r) => s + Number(r.paid), 0),
      net: gross - refundsBooked,
      feesKept: Number(fees.amount),
    },
    sales: sales.map((s) => ({ ...s, amount: Number(s.amount) })),
    channels: [...byChannel]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([channel, c]) => ({
        channel,
        ...c,
        sharePercent: gross ? Math.round((c.amount * 10_000) / gross) / 100 : 0,
      })),
    refunds: refunds.map((r) => ({
      reason: r.reason,
      refunds: r.refunds,
      tickets: r.tickets,
      amount: Number(r.amount),
    })),
    reschedules: Number(reschedules[0]?.n ?? 0),
    entriesByHour: entries,
    peakHour: peak,
    visitors,
    joint,
    groups,
  };
}

/**
 * A joint order belongs to its first area (orders.area_id) but holds a ticket per visitor at
 * every area of the product (core/joint): the ticket's own area and the product's kind
 * find this area's, the ones the sections above (by the order's area) do not show.
 */
async function jointFigures(
  db: Knex,
  areaId: string,
  date: string,
  tz: string,
): Promise<NonNullable<DailyReport['joint']>> {
  const jointTickets = () =>
    db('tickets as t')
      .join('products as p', (j) => void j.on('p.area_id', 't.area_id').andOn('p.id', 't.product_id'))
      .where({ 't.area_id': areaId, 'p.kind': 'joint' });
  const [sales, entries] = await Promise.all([
    jointTickets()
      .join('orders as o', 'o.id', 't.order_id')
      .whereNotNull('o.paid_at')
      .whereRaw(onLocalDate('o.paid_at'), [tz, date])
      .whereNotIn('t.status', ['rescheduled', 'void'])
      .groupBy('t.product_id')
      .orderBy('t.product_id')
      .select(
        't.product_id as product',
        db.raw('count(*)::int as tickets'),
        db.raw('coalesce(sum(t.price), 0)::bigint as amount'),
        db.raw(`(count(*) filter (where t.status = 'refunded'))::int as refunded`),
      ) as Promise<{ product: string; tickets: number; amount: number | string; refunded: number }[]>,
    jointTickets()
      .join('checkin_scans as s', 's.ticket_id', 't.id')
      .where({ 's.area_id': areaId, 's.local_date': date, 's.direction': 'in', 's.counted': true })
      .groupBy('t.product_id')
      .orderBy('t.product_id')
      .select('t.product_id as product', db.raw('count(*)::int as entries')) as Promise<
      { product: string; entries: number }[]
    >,
  ]);
  return { sales: sales.map((x) => ({ ...x, amount: Number(x.amount) })), entries };
}

/**
 * The report as one CSV in long form: `section,key,subkey,metric,value`, so every
 * figure is one row a spreadsheet can pivot. Amounts stay in minor units. Written by
 * core/csv.ts, which defuses formulas in text cells (channel and product ids are typed by admins).
 */
export function reportToCsv(r: DailyReport): string {
  const rows: (string | number)[][] = [['section', 'key', 'subkey', 'metric', 'value']];
  const add = (section: string, key: string, subkey: string, metric: string, value: string | number) =>
    rows.push([section, key, subkey, metric, value]);
  add('report', r.areaId, r.date, 'timezone', r.timezone);
  add('report', r.areaId, r.date, 'currency', r.currency);
  add('report', r.areaId, r.date, 'generated_at', r.generatedAt);
  for (const [k, v] of Object.entries(r.totals)) add('totals', '', '', k, v);
  for (const s of r.sales) {
    add('sales', s.channel, s.product, 'tickets', s.tickets);
    add('sales', s.channel, s.product, 'amount', s.amount);
  }
  for (const c of r.channels) {
    add('channels', c.channel, '', 'orders', c.orders);
    add('channels', c.channel, '', 'tickets', c.tickets);
    add('channels', c.channel, '', 'amount', c.amount);
    add('channels', c.channel, '', 'share_percent', c.sharePercent);
  }
  for (const f of r.refunds) {
    add('refunds', f.reason, '', 'refunds', f.refunds);
    add('refunds', f.reason, '', 'tickets', f.tickets);
    add('refunds', f.reason, '', 'amount', f.amount);
  }
  add('reschedules', '', '', 'orders', r.reschedules);
  for (const e of r.entriesByHour)
    add('entries_by_hour', String(e.hour).padStart(2, '0'), '', 'entries', e.entries);
  if (r.peakHour)
    add('peak_hour', String(r.peakHour.hour).padStart(2, '0'), '', 'entries', r.peakHour.entries);
  for (const j of r.joint?.sales ?? []) {
    add('joint_sales', j.product, '', 'tickets', j.tickets);
    add('joint_sales', j.product, '', 'amount', j.amount);
    add('joint_sales', j.product, '', 'refunded', j.refunded);
  }
  for (const j of r.joint?.entries ?? []) add('joint_entries', j.product, '', 'entries', j.entries);
  for (const g of r.groups ?? [])
    for (const k of ['groups', 'persons', 'entered', 'noShows', 'refunded'] as const)
      add('groups', g.product, '', k, g[k]);
  const v = r.visitors;
  add('visitors', '', '', 'visitors', v.visitors);
  add('visitors', '', '', 'repeat_visitors', v.repeatVisitors);
  for (const [band, n] of Object.entries(v.ageBands)) add('age_band', band, '', 'visitors', n);
  for (const [region, n] of Object.entries(v.regions)) add('origin_region', region, '', 'visitors', n);
  for (const [size, n] of Object.entries(v.partySizes)) add('party_size', size, '', 'orders', n);
  return toCsv(rows);
}

/** Stored reports (migration 0005-reports): one per area and day, replaced when regenerated. */
export async function storeReport(db: Knex, r: DailyReport): Promise<void> {
  await db('daily_reports')
    .insert({
      area_id: r.areaId,
      day: r.date,
      version: r.version,
      report: JSON.stringify(r),
      generated_at: new Date(r.generatedAt),
    })
    .onConflict(['area_id', 'day'])
    .merge();
}

export async function loadReport(db: Knex, areaId: string, date: string): Promise<DailyReport | undefined> {
  const row = await db('daily_reports').where({ area_id: areaId, day: date }).first('report');
  return row?.report;
}
