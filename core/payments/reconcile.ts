import type { ProviderName, StatementLine } from './gateway.js';

/**
 * Reconciliation (对账) of one provider-day: every line of the provider's statement
 * against the books' payments and refunds of that day, each classified once. Pure: the
 * caller loads the books (payments whose money the provider took that day, refunds it
 * gave back that day) and stores the report.
 */
export interface BooksPayment {
  paymentId: string;
  orderId: string;
  /** out_trade_no as sent to the provider (`outTradeNoOf(paymentId)`) */
  outTradeNo: string;
  /** fen */
  amount: number;
}

export interface BooksRefund {
  refundId: string;
  orderId: string;
  outTradeNo: string;
  /** out_refund_no as sent (`outRefundNoOf(refundId)`) */
  outRefundNo: string;
  amount: number;
}

export type ReconClass =
  | 'matched'
  /** money taken with no payment in the books — critical: finance refunds it or issues */
  | 'missing_in_books'
  /** a payment or refund the books hold that the provider's file lacks */
  | 'missing_at_provider'
  /** a payment whose amount differs between the file and the books */
  | 'amount_mismatch'
  /** a refund whose amount differs, or one the books do not know */
  | 'refund_mismatch'
  /** the provider's fees (charged, or given back on refunds) */
  | 'fee';

export const RECON_CLASSES: readonly ReconClass[] = [
  'matched',
  'missing_in_books',
  'missing_at_provider',
  'amount_mismatch',
  'refund_mismatch',
  'fee',
];

export interface ReconItem {
  class: ReconClass;
  kind: 'payment' | 'refund' | 'fee';
  severity: 'critical' | 'warning' | 'info';
  outTradeNo: string;
  outRefundNo: string | null;
  providerRef: string | null;
  /** fen as the provider states it; null when the file has no line */
  providerAmount: number | null;
  /** fen as the books hold it; null when the books have no entry */
  booksAmount: number | null;
  orderId: string | null;
  paymentId: string | null;
  refundId: string | null;
}

export interface ReconReport {
  provider: ProviderName;
  date: string;
  items: ReconItem[];
  /** per class: how many items, and fen (the provider's amount where there is one, else the books') */
  totals: Record<ReconClass, { count: number; amount: number }>;
}

const SEVERITY: Record<ReconClass, ReconItem['severity']> = {
  matched: 'info',
  missing_in_books: 'critical',
  missing_at_provider: 'warning',
  amount_mismatch: 'critical',
  refund_mismatch: 'critical',
  fee: 'info',
};

export function reconcile(input: {
  provider: ProviderName;
  date: string;
  lines: readonly StatementLine[];
  payments: readonly BooksPayment[];
  refunds: readonly BooksRefund[];
}): ReconReport {
  const items: ReconItem[] = [];
  const payments = new Map(input.payments.map((p) => [p.outTradeNo, p]));
  const refunds = new Map(input.refunds.map((r) => [r.outRefundNo, r]));
  const seenPayments = new Set<string>();
  const seenRefunds = new Set<string>();
  const item = (c: ReconClass, rest: Omit<ReconItem, 'class' | 'severity'>) =>
    items.push({ class: c, severity: SEVERITY[c], ...rest });

  for (const l of input.lines) {
    const line = {
      outTradeNo: l.outTradeNo,
      outRefundNo: l.outRefundNo,
      providerRef: l.providerRef,
      providerAmount: l.amount,
    };
    if (l.kind === 'fee') {
      const p = payments.get(l.outTradeNo);
      item('fee', {
        kind: 'fee',
        ...line,
        booksAmount: null,
        orderId: p?.orderId ?? null,
        paymentId: p?.paymentId ?? null,
        refundId: l.outRefundNo ? (refunds.get(l.outRefundNo)?.refundId ?? null) : null,
      });
    } else if (l.kind === 'payment') {
      const p = payments.get(l.outTradeNo);
      // a second line for one payment is money taken twice: the books hold only one
      const known = p && !seenPayments.has(l.outTradeNo) ? p : undefined;
      if (known) seenPayments.add(l.outTradeNo);
      const c: ReconClass = !known
        ? 'missing_in_books'
        : known.amount === l.amount
          ? 'matched'
          : 'amount_mismatch';
      item(c, {
        kind: 'payment',
        ...line,
        booksAmount: known?.amount ?? null,
        orderId: known?.orderId ?? null,
        paymentId: known?.paymentId ?? null,
        refundId: null,
      });
    } else {
      const r = l.outRefundNo ? refunds.get(l.outRefundNo) : undefined;
      const known = r && r.outTradeNo === l.outTradeNo && !seenRefunds.has(r.outRefundNo) ? r : undefined;
      if (known) seenRefunds.add(known.outRefundNo);
      const c: ReconClass = known && known.amount === l.amount ? 'matched' : 'refund_mismatch';
      item(c, {
        kind: 'refund',
        ...line,
        booksAmount: known?.amount ?? null,
        orderId: known?.orderId ?? null,
        paymentId: payments.get(l.outTradeNo)?.paymentId ?? null,
        refundId: known?.refundId ?? null,
      });
    }
  }
  for (const p of input.payments)
    if (!seenPayments.has(p.outTradeNo))
      item('missing_at_provider', {
        kind: 'payment',
        outTradeNo: p.outTradeNo,
        outRefundNo: null,
        providerRef: null,
        providerAmount: null,
        booksAmount: p.amount,
        orderId: p.orderId,
        paymentId: p.paymentId,
        refundId: null,
      });
  for (const r of input.refunds)
    if (!seenRefunds.has(r.outRefundNo))
      item('missing_at_provider', {
        kind: 'refund',
        outTradeNo: r.outTradeNo,
        outRefundNo: r.outRefundNo,
        providerRef: null,
        providerAmount: null,
        booksAmount: r.amount,
        orderId: r.orderId,
        paymentId: payments.get(r.outTradeNo)?.paymentId ?? null,
        refundId: r.refundId,
      });

  const totals = Object.fromEntries(
    RECON_CLASSES.map((c) => [c, { count: 0, amount: 0 }]),
  ) as ReconReport['totals'];
  for (const i of items) {
    totals[i.class].count++;
    totals[i.class].amount += i.providerAmount ?? i.booksAmount ?? 0;
  }
  return { provider: input.provider, date: input.date, items, totals };
}
