import { describe, expect, it } from 'vitest';
import type { StatementLine } from './gateway.js';
import { reconcile, type BooksPayment, type BooksRefund, type ReconClass } from './reconcile.js';

const at = new Date('2026-12-01T04:00:00Z');
const line = (
  kind: StatementLine['kind'],
  outTradeNo: string,
  amount: number,
  outRefundNo: string | null = null,
): StatementLine => ({
  kind,
  provider: 'wechat',
  outTradeNo,
  outRefundNo,
  providerRef: `tx-${outTradeNo}`,
  providerRefundRef: outRefundNo ? `rf-${outRefundNo}` : null,
  amount,
  at,
  merchantId: '1900000109',
  appId: 'wx8888888888888888',
});
const pay = (outTradeNo: string, amount: number): BooksPayment => ({
  paymentId: `p-${outTradeNo}`,
  orderId: `o-${outTradeNo}`,
  outTradeNo,
  amount,
});
const ref = (outTradeNo: string, outRefundNo: string, amount: number): BooksRefund => ({
  refundId: `r-${outRefundNo}`,
  orderId: `o-${outTradeNo}`,
  outTradeNo,
  outRefundNo,
  amount,
});

const run = (lines: StatementLine[], payments: BooksPayment[], refunds: BooksRefund[] = []) =>
  reconcile({ provider: 'wechat', date: '2026-12-01', lines, payments, refunds });

describe('reconcile', () => {
  it.each<[string, StatementLine[], BooksPayment[], BooksRefund[], [ReconClass, string][]]>([
    ['a payment in both, same amount', [line('payment', 'a', 100)], [pay('a', 100)], [], [['matched', 'a']]],
    [
      'money taken with no payment in the books',
      [line('payment', 'x', 100)],
      [],
      [],
      [['missing_in_books', 'x']],
    ],
    ['a payment the provider does not have', [], [pay('a', 100)], [], [['missing_at_provider', 'a']]],
    [
      'a payment with another amount',
      [line('payment', 'a', 99)],
      [pay('a', 100)],
      [],
      [['amount_mismatch', 'a']],
    ],
    [
      'the same payment twice in the file',
      [line('payment', 'a', 100), line('payment', 'a', 100)],
      [pay('a', 100)],
      [],
      [
        ['matched', 'a'],
        ['missing_in_books', 'a'],
      ],
    ],
    [
      'a refund in both',
      [line('refund', 'a', 40, 'r1')],
      [pay('a', 100)],
      [ref('a', 'r1', 40)],
      [
        ['matched', 'a'],
        ['missing_at_provider', 'a'],
      ],
    ],
    [
      'a refund with another amount',
      [line('refund', 'a', 30, 'r1')],
      [],
      [ref('a', 'r1', 40)],
      [['refund_mismatch', 'a']],
    ],
    ['a refund the books do not know', [line('refund', 'a', 40, 'r9')], [], [], [['refund_mismatch', 'a']]],
    ['a refund the provider does not have', [], [], [ref('a', 'r1', 40)], [['missing_at_provider', 'a']]],
    [
      'a refund filed under another payment',
      [line('refund', 'b', 40, 'r1')],
      [],
      [ref('a', 'r1', 40)],
      [
        ['refund_mismatch', 'b'],
        ['missing_at_provider', 'a'],
      ],
    ],
    [
      'fees are their own class',
      [line('payment', 'a', 100), line('fee', 'a', 1)],
      [pay('a', 100)],
      [],
      [
        ['matched', 'a'],
        ['fee', 'a'],
      ],
    ],
  ])('%s', (_name, lines, payments, refunds, want) => {
    expect(run(lines, payments, refunds).items.map((i) => [i.class, i.outTradeNo])).toEqual(want);
  });

  it('a day with one discrepancy of every kind: each found, counted and summed', () => {
    const lines = [
      line('payment', 'ok', 10_000),
      line('fee', 'ok', 60),
      line('payment', 'unknown', 5_000),
      line('payment', 'short', 7_900),
      line('refund', 'ok', 2_000, 'rf-bad'),
      line('fee', 'ok', -12, 'rf-bad'),
    ];
    const books = [pay('ok', 10_000), pay('short', 8_000), pay('absent', 3_000)];
    const report = run(lines, books, [ref('ok', 'rf-bad', 2_500)]);
    expect(report.totals).toEqual({
      matched: { count: 1, amount: 10_000 },
      missing_in_books: { count: 1, amount: 5_000 },
      missing_at_provider: { count: 1, amount: 3_000 },
      amount_mismatch: { count: 1, amount: 7_900 },
      refund_mismatch: { count: 1, amount: 2_000 },
      fee: { count: 2, amount: 48 },
    });
    const unknown = report.items.find((i) => i.class === 'missing_in_books')!;
    expect(unknown).toMatchObject({ severity: 'critical', orderId: null, providerAmount: 5_000 });
    expect(report.items.find((i) => i.class === 'amount_mismatch')).toMatchObject({
      orderId: 'o-short',
      booksAmount: 8_000,
      providerAmount: 7_900,
    });
    expect(report.items.find((i) => i.class === 'refund_mismatch')).toMatchObject({
      refundId: 'r-rf-bad',
      booksAmount: 2_500,
      providerAmount: 2_000,
    });
  });
});
