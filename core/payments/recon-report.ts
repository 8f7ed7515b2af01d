import type { Knex } from 'knex';
import { toCsv } from '../csv.js';
import { audit } from '../audit/store.js';
import type { ReconciliationDecisionRow, ReconciliationItemRow } from '../db/tables.js';
import type { Actor } from '../orders/model.js';
import { actorName } from '../orders/model.js';
import type { Sample } from '../telemetry/metrics.js';
import { paymentError } from './errors.js';
import type { ProviderName } from './gateway.js';
import { RECON_CLASSES, type ReconClass, type ReconItem } from './reconcile.js';

/**
 * Reading a reconciliation: the report of a provider-day (JSON, and CSV through
 * core/csv.ts), finance's decision on money taken with no payment in the books, and the
 * figures the worker exports for the alerts. Amounts are fen; ids are Scenic's (orders,
 * payments, refunds) and the provider's trade numbers, never personal data.
 */
export interface ReconDecision {
  decision: 'refund' | 'issue';
  note: string | null;
  reference: string | null;
  decidedBy: string;
  decidedAt: string;
}

/** A reconciliation line as the report shows it: the matcher's item plus finance's decision. */
export interface ReconItemView extends ReconItem {
  /** finance's decision (money taken with no payment in the books only) */
  decision: ReconDecision | null;
}

export interface ReconReportView {
  provider: ProviderName;
  date: string;
  ranAt: string;
  /** lines in the provider's file */
  lines: number;
  totals: Record<ReconClass, { count: number; amount: number }>;
  /** the file's own summary (payments, refunds, fees in fen; counts) */
  statementTotals: Record<string, number> | null;
  /** the lines that need someone: every class but matched and fee */
  discrepancies: number;
  /** money taken with no payment in the books and no decision yet */
  undecided: number;
  items: ReconItemView[];
}

const decisionView = (d: ReconciliationDecisionRow | undefined): ReconDecision | null =>
  d
    ? {
        decision: d.decision,
        note: d.note,
        reference: d.reference,
        decidedBy: d.decided_by,
        decidedAt: d.decided_at.toISOString(),
      }
    : null;

const itemView = (i: ReconciliationItemRow, d: ReconciliationDecisionRow | undefined): ReconItemView => ({
  class: i.class as ReconClass,
  kind: i.kind,
  severity: i.severity,
  outTradeNo: i.out_trade_no,
  outRefundNo: i.out_refund_no,
  providerRef: i.provider_ref,
  providerAmount: i.provider_amount,
  booksAmount: i.books_amount,
  orderId: i.order_id,
  paymentId: i.payment_id,
  refundId: i.refund_id,
  decision: i.class === 'missing_in_books' ? decisionView(d) : null,
});

/** The stored report of a provider-day; `reconciliation_not_found` when the day was never reconciled. */
export async function reconciliationReport(
  db: Knex,
  provider: ProviderName,
  date: string,
): Promise<ReconReportView> {
  const run = await db('reconciliation_runs').where({ provider, day: date, status: 'done' }).first();
  if (!run) throw paymentError('reconciliation_not_found', `${provider} ${date} has not been reconciled`);
  const items = await db('reconciliation_items').where({ provider, day: date }).orderBy('id');
  const decided = await db('reconciliation_decisions')
    .where({ provider })
    .whereIn(
      'out_trade_no',
      items.filter((i) => i.class === 'missing_in_books').map((i) => i.out_trade_no),
    );
  const byTrade = new Map(decided.map((d) => [d.out_trade_no, d]));
  const views = items.map((i) => itemView(i, byTrade.get(i.out_trade_no)));
  return {
    provider,
    date,
    ranAt: run.ran_at.toISOString(),
    lines: run.lines,
    totals: Object.fromEntries(
      RECON_CLASSES.map((c) => [c, run.totals[c] ?? { count: 0, amount: 0 }]),
    ) as ReconReportView['totals'],
    statementTotals: run.statement_totals,
    discrepancies: views.filter((v) => v.class !== 'matched' && v.class !== 'fee').length,
    undecided: views.filter((v) => v.class === 'missing_in_books' && !v.decision).length,
    items: views,
  };
}

/** The report as CSV: one row per item, amounts in fen. */
export function reconciliationCsv(r: ReconReportView): string {
  return toCsv([
    [
      'provider',
      'date',
      'class',
      'severity',
      'kind',
      'out_trade_no',
      'out_refund_no',
      'provider_ref',
      'provider_amount',
      'books_amount',
      'order_id',
      'payment_id',
      'refund_id',
      'decision',
    ],
    ...r.items.map((i) => [
      r.provider,
      r.date,
      i.class,
      i.severity,
      i.kind,
      i.outTradeNo,
      i.outRefundNo,
      i.providerRef,
      i.providerAmount,
      i.booksAmount,
      i.orderId,
      i.paymentId,
      i.refundId,
      i.decision?.decision ?? null,
    ]),
  ]);
}

/**
 * Finance decides what becomes of money taken with no payment in the books: `refund` (given
 * back through the provider's merchant console; `reference` names that refund) or `issue`
 * (tickets sold by hand against it). Recorded once per trade, audited; deciding again
 * replaces it. Only a trade that a reconciliation found `missing_in_books` takes one.
 */
export async function recordDecision(
  db: Knex,
  actor: Actor,
  provider: ProviderName,
  outTradeNo: string,
  input: { decision: 'refund' | 'issue'; note?: string; reference?: string },
  now: Date,
): Promise<ReconDecision> {
  const found = await db('reconciliation_items')
    .where({ provider, out_trade_no: outTradeNo, class: 'missing_in_books' })
    .first('id');
  if (!found)
    throw paymentError(
      'reconciliation_decision_not_allowed',
      `no money taken without a payment in the books for ${provider} trade ${outTradeNo}`,
    );
  const row = {
    provider,
    out_trade_no: outTradeNo,
    decision: input.decision,
    note: input.note ?? null,
    reference: input.reference ?? null,
    decided_by: actorName(actor),
    decided_at: now,
  };
  await db.transaction(async (trx) => {
    await trx('reconciliation_decisions').insert(row).onConflict(['provider', 'out_trade_no']).merge();
    await audit(trx, actor, 'scenic.reconciliation.decided', `${provider}:${outTradeNo}`, {
      decision: input.decision,
      reference: input.reference ?? null,
    });
  });
  return decisionView({ ...row, note: row.note, reference: row.reference })!;
}

/** How far back the worker looks for undecided money (a month of provider-days). */
const UNDECIDED_WINDOW_DAYS = 35;

/**
 * The worker's reconciliation gauges, read at scrape time: the latest stored day's items
 * per provider and class, and the money taken with no payment in the books that finance
 * has not decided on (count and fen), per provider.
 */
export async function reconciliationSamples(db: Knex, now: Date): Promise<Sample[]> {
  const out: Sample[] = [];
  const latest = await db('reconciliation_runs')
    .where({ status: 'done' })
    .distinctOn('provider')
    .orderBy([{ column: 'provider' }, { column: 'day', order: 'desc' }])
    .select('provider', 'day', 'totals');
  for (const r of latest)
    for (const c of RECON_CLASSES)
      out.push({
        name: 'scenic_reconciliation_items',
        labels: { provider: r.provider, class: c },
        value: r.totals[c]?.count ?? 0,
      });
  const since = new Date(now.getTime() - UNDECIDED_WINDOW_DAYS * 86_400_000).toISOString().slice(0, 10);
  const undecided = await db('reconciliation_items as i')
    .leftJoin('reconciliation_decisions as d', function () {
      this.on('d.provider', 'i.provider').andOn('d.out_trade_no', 'i.out_trade_no');
    })
    .where('i.class', 'missing_in_books')
    .andWhere('i.day', '>=', since)
    .whereNull('d.decision')
    .groupBy('i.provider')
    .select<{ provider: string; n: number; fen: number }[]>(
      'i.provider',
      db.raw('count(distinct i.out_trade_no)::int as n'),
      db.raw('coalesce(sum(i.provider_amount), 0)::bigint as fen'),
    );
  for (const p of ['wechat', 'alipay']) {
    const u = undecided.find((x) => x.provider === p);
    out.push(
      { name: 'scenic_money_without_payment', labels: { provider: p }, value: u?.n ?? 0 },
      { name: 'scenic_money_without_payment_minor', labels: { provider: p }, value: Number(u?.fen ?? 0) },
    );
  }
  return out;
}
