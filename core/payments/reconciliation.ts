import type { Knex } from 'knex';
import type { Clock } from '../clock.js';
import { beijingDayBounds } from './china-time.js';
import {
  outRefundNoOf,
  outTradeNoOf,
  type ProviderGateway,
  type ProviderName,
  type Statement,
} from './gateway.js';
import { reconcile, type BooksPayment, type BooksRefund, type ReconReport } from './reconcile.js';

/**
 * The daily reconciliation (对账) of one provider-day: the provider's statement for the
 * Beijing date, downloaded and checked by the adapter, matched line by line against the
 * books (`reconcile.ts`), and stored — one run row and one item per line or books entry.
 * A rerun of the day replaces its run and items in one transaction, never duplicates them;
 * finance's decisions live apart (`reconciliation_decisions`) and survive reruns.
 */

/** The books' side of a provider-day: money taken, and refunds given back, by that provider that day. */
export async function booksOfDay(
  db: Knex,
  provider: ProviderName,
  date: string,
): Promise<{ payments: BooksPayment[]; refunds: BooksRefund[] }> {
  const { start, end } = beijingDayBounds(date);
  const pays = await db('payments')
    .where({ provider })
    .whereIn('status', ['succeeded', 'refunded'])
    .andWhere('paid_at', '>=', start)
    .andWhere('paid_at', '<', end)
    .select('id', 'order_id', 'amount', 'provider_amount');
  // an ABNORMAL refund sent back to the merchant's bank account is done at the provider
  // (`provider_settled_at`) while a cashier still owes it to the payer (`awaiting_counter`)
  const refs = await db('refunds')
    .where({ provider, method: 'provider' })
    .whereIn('status', ['succeeded', 'awaiting_counter'])
    .whereNotNull('payment_id')
    .andWhereRaw('coalesce(provider_settled_at, settled_at) >= ?', [start])
    .andWhereRaw('coalesce(provider_settled_at, settled_at) < ?', [end])
    .select('id', 'order_id', 'payment_id', 'amount');
  return {
    payments: pays.map((p) => ({
      paymentId: p.id,
      orderId: p.order_id,
      outTradeNo: outTradeNoOf(p.id),
      amount: p.provider_amount ?? p.amount,
    })),
    refunds: refs.map((r) => ({
      refundId: r.id,
      orderId: r.order_id,
      outTradeNo: outTradeNoOf(r.payment_id!),
      outRefundNo: outRefundNoOf(r.id),
      amount: r.amount,
    })),
  };
}

/** Writes a day's result, replacing any earlier run of the same provider-day. */
export async function storeRun(
  db: Knex,
  report: ReconReport,
  statement: Statement,
  ranAt: Date,
): Promise<void> {
  await db.transaction(async (trx) => {
    await trx('reconciliation_items').where({ provider: report.provider, day: report.date }).delete();
    await trx('reconciliation_runs')
      .insert({
        provider: report.provider,
        day: report.date,
        status: 'done',
        totals: JSON.stringify(report.totals),
        statement_totals: JSON.stringify(statement.totals),
        lines: statement.lines.length,
        error: null,
        ran_at: ranAt,
      })
      .onConflict(['provider', 'day'])
      .merge();
    const rows = report.items.map((i) => ({
      provider: report.provider,
      day: report.date,
      class: i.class,
      kind: i.kind,
      severity: i.severity,
      out_trade_no: i.outTradeNo,
      out_refund_no: i.outRefundNo,
      provider_ref: i.providerRef,
      provider_amount: i.providerAmount,
      books_amount: i.booksAmount,
      order_id: i.orderId,
      payment_id: i.paymentId,
      refund_id: i.refundId,
    }));
    for (let i = 0; i < rows.length; i += 500)
      await trx('reconciliation_items').insert(rows.slice(i, i + 500));
  });
}

/**
 * Reconciles one provider-day now: fetch (an unready or inconsistent statement throws
 * the adapter's `statement_not_ready` / `statement_inconsistent`, nothing is stored),
 * load the books, match, store. Idempotent: run it again and the day's rows are replaced.
 */
export async function reconcileDay(
  db: Knex,
  gw: ProviderGateway,
  date: string,
  clock: Clock,
): Promise<ReconReport> {
  const statement = await gw.fetchStatement(date);
  const books = await booksOfDay(db, gw.provider, date);
  const report = reconcile({ provider: gw.provider, date, lines: statement.lines, ...books });
  await storeRun(db, report, statement, clock.now());
  return report;
}

/** Whether a provider-day has a stored run (the daily job skips those). */
export async function hasRun(db: Knex, provider: ProviderName, date: string): Promise<boolean> {
  return (
    (await db('reconciliation_runs').where({ provider, day: date, status: 'done' }).first('day')) !==
    undefined
  );
}
