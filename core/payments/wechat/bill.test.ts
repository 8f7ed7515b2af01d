import { describe, expect, it } from 'vitest';
import { parseTradeBill } from './bill.js';

const HEADER =
  '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注';
const SUMMARY =
  '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额';
const rows = [
  '`2021-01-28 15:35:18,`wx81be3101902f7cb2,`1601959334,`0,`,`4200000910202101282955148400,`S20210128153505214586,`ofyak5qR_1wYsC99CsWA6R9MJazA,`NATIVE,`SUCCESS,`OTHERS,`CNY,`100.00,`0.00,`0,`0,`0.00,`0.00,`,`,`门票, 成人,`cipher code,`0.60000,`0.60%,`100.00,`0.00,`',
  '`2021-01-28 16:59:46,`wx81be3101902f7cb2,`1601959334,`0,`,`4200000910202101282955148400,`S20210128153505214586,`ofyak5qR_1wYsC99CsWA6R9MJazA,`NATIVE,`REFUND,`OTHERS,`CNY,`0.00,`0.00,`50000000382019052709732678859,`R20210128,`40.00,`0.00,`ORIGINAL,`SUCCESS,`门票,`cipher code,`-0.24000,`0.60%,`100.00,`40.00,`',
];
const bill = (summary = '`2,`100.00,`40.00,`0.00,`0.36000,`100.00,`40.00') =>
  ['\uFEFF' + HEADER, ...rows, SUMMARY, summary].join('\r\n') + '\r\n';

/** The DomainError code `f` throws ('none' when it returns). */
function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return (e as { code?: string }).code ?? 'not a DomainError';
  }
  return 'none';
}

describe('WeChat Pay trade bill', () => {
  it('parses backticked rows (a comma inside a name included) into payment, refund and fee lines', () => {
    const s = parseTradeBill(bill(), '2021-01-28');
    expect(s.lines.map((l) => [l.kind, l.outTradeNo, l.outRefundNo, l.amount])).toEqual([
      ['payment', 'S20210128153505214586', null, 10_000],
      ['fee', 'S20210128153505214586', null, 60],
      ['refund', 'S20210128153505214586', 'R20210128', 4_000],
      ['fee', 'S20210128153505214586', 'R20210128', -24],
    ]);
    expect(s.lines[0]).toMatchObject({
      merchantId: '1601959334',
      appId: 'wx81be3101902f7cb2',
      at: new Date('2021-01-28T07:35:18Z'),
    });
    expect(s.totals).toEqual({ payments: 10_000, paymentCount: 1, refunds: 4_000, refundCount: 1, fees: 36 });
  });

  it.each([
    ['a row count the file does not have', '`3,`100.00,`40.00,`0.00,`0.36000,`100.00,`40.00'],
    ['a settled total that differs', '`2,`100.01,`40.00,`0.00,`0.36000,`100.00,`40.00'],
    ['a refund total that differs', '`2,`100.00,`41.00,`0.00,`0.36000,`100.00,`40.00'],
    ['a fee total that differs', '`2,`100.00,`40.00,`0.00,`0.37000,`100.00,`40.00'],
  ])('refuses a file whose summary row shows %s', (_n, summary) => {
    expect(codeOf(() => parseTradeBill(bill(summary), '2021-01-28'))).toBe('statement_inconsistent');
  });

  it('refuses an unknown layout and a file without its summary', () => {
    expect(codeOf(() => parseTradeBill('a,b\n`1,`2\n', '2021-01-28'))).toBe('statement_inconsistent');
    expect(codeOf(() => parseTradeBill([HEADER, ...rows].join('\n'), '2021-01-28'))).toBe(
      'statement_inconsistent',
    );
  });

  it('reads a day without trades (header, summary, zeros)', () => {
    const s = parseTradeBill(
      [HEADER, SUMMARY, '`0,`0.00,`0.00,`0.00,`0.00000,`0.00,`0.00'].join('\r\n'),
      '2021-01-29',
    );
    expect(s.lines).toEqual([]);
  });
});
