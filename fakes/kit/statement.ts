/**
 * Discrepancies a test injects into a fake's daily statement, to see reconciliation
 * find each: a line the books never saw, a line left out, a different amount, a refund
 * that differs, and the fee rate the provider charges.
 */
export interface StatementHooks {
  /** money taken that the books know nothing of (a payment Scenic never created) */
  extraPayments: { outTradeNo: string; amount: number; at?: Date }[];
  /** out_trade_no / out_refund_no the file leaves out */
  drop: Set<string>;
  /** out_trade_no → the amount (fen) the file states instead */
  amounts: Map<string, number>;
  /** out_refund_no → the refunded amount (fen) the file states instead */
  refundAmounts: Map<string, number>;
  /** fee rate charged on payments and given back on refunds (0.006 = 0.6 %) */
  feeRate: number;
}

export const newStatementHooks = (): StatementHooks => ({
  extraPayments: [],
  drop: new Set(),
  amounts: new Map(),
  refundAmounts: new Map(),
  feeRate: 0.006,
});

/** The fee on an amount, rounded to the fen as the providers do. */
export const feeOf = (fen: number, rate: number) => Math.round(fen * rate);
