import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { billZip, formatDetailCsv, type AlipayBillRow } from '../../../fakes/alipay-bill.js';
import { zip } from '../../../fakes/kit/zip.js';
import { detailCsvOf, parseTradeBillCsv } from './bill.js';

const at = new Date('2026-12-01T02:00:00Z');
const rows: AlipayBillRow[] = [
  {
    tradeNo: '2026120122001400000000000001',
    outTradeNo: 'a1',
    type: '交易',
    subject: '西湖, 成人票',
    createdAt: at,
    finishedAt: at,
    amount: 10_000,
    serviceFee: -60,
    outRequestNo: '',
  },
  {
    tradeNo: '2026120122001400000000000001',
    outTradeNo: 'a1',
    type: '退款',
    subject: '西湖',
    createdAt: at,
    finishedAt: new Date(at.getTime() + 60_000),
    amount: -4_000,
    serviceFee: 24,
    outRequestNo: 'r1',
  },
];

/** The DomainError code `f` throws ('none' when it returns). */
function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return (e as { code?: string }).code ?? 'not a DomainError';
  }
  return 'none';
}

describe('Alipay trade bill', () => {
  it('reads the GBK detail CSV out of the zip (GBK file names, no UTF-8 flag) into lines', () => {
    const csv = detailCsvOf(billZip('2088101106499364', '2026-12-01', rows, at));
    expect(csv).toContain('#支付宝业务明细查询');
    const s = parseTradeBillCsv(csv, '2026-12-01', '2088101106499364', '2021000000000000');
    expect(s.lines.map((l) => [l.kind, l.outTradeNo, l.outRefundNo, l.amount])).toEqual([
      ['payment', 'a1', null, 10_000],
      ['fee', 'a1', null, 60],
      ['refund', 'a1', 'r1', 4_000],
      ['fee', 'a1', 'r1', -24],
    ]);
    expect(s.totals).toMatchObject({
      payments: 10_000,
      paymentCount: 1,
      refunds: 4_000,
      refundCount: 1,
      fees: 36,
    });
  });

  it('refuses a file whose #合计 lines do not add up', () => {
    const csv = formatDetailCsv('2088101106499364', '2026-12-01', rows, at).replace(
      '商家实收共100.00元',
      '商家实收共100.01元',
    );
    expect(codeOf(() => parseTradeBillCsv(csv, '2026-12-01', 'p', 'a'))).toBe('statement_inconsistent');
  });

  it('refuses a zip without a detail file, a file that is not GBK, and one that is not a zip', () => {
    const only = zip([
      { name: iconv.encode('x_20261201_业务明细(汇总).csv', 'gbk'), data: Buffer.from('#') },
    ]);
    expect(codeOf(() => detailCsvOf(only))).toBe('statement_inconsistent');
    const notGbk = zip([
      { name: iconv.encode('x_20261201_业务明细.csv', 'gbk'), data: Buffer.from([0x23, 0x81, 0x20]) },
    ]);
    expect(codeOf(() => detailCsvOf(notGbk))).toBe('statement_inconsistent');
    expect(codeOf(() => detailCsvOf(Buffer.from('not a zip')))).toBe('statement_inconsistent');
  });
});
