import { parseBeijingDateTime } from '../china-time.js';
import { paymentError } from '../errors.js';
import type { Statement, StatementLine } from '../gateway.js';
import { milliFenToFen, yuanToMilliFen } from '../money.js';

/**
 * WeChat Pay's trade bill (交易账单, bill_type=ALL), UTF-8 CSV in four parts: the detail
 * header, detail rows, the summary header (总交易单数,…) and one summary row. Every value
 * is prefixed with a backtick so spreadsheets keep long numbers as text; amounts are yuan
 * strings (fees with five decimals). Columns are found by their header names, not by
 * position, so a column WeChat adds later does not shift the others.
 */
export const DETAIL_COLUMNS = [
  '交易时间',
  '公众账号ID',
  '商户号',
  '特约商户号',
  '设备号',
  '微信订单号',
  '商户订单号',
  '用户标识',
  '交易类型',
  '交易状态',
  '付款银行',
  '货币种类',
  '应结订单金额',
  '代金券金额',
  '微信退款单号',
  '商户退款单号',
  '退款金额',
  '充值券退款金额',
  '退款类型',
  '退款状态',
  '商品名称',
  '商户数据包',
  '手续费',
  '费率',
  '订单金额',
  '申请退款金额',
  '费率备注',
] as const;

export const SUMMARY_COLUMNS = [
  '总交易单数',
  '应结订单总金额',
  '退款总金额',
  '充值券退款总金额',
  '手续费总金额',
  '订单总金额',
  '申请退款总金额',
] as const;

type Row = Record<string, string>;

const bad = (message: string) => paymentError('statement_inconsistent', `WeChat Pay trade bill: ${message}`);

/** Splits a backticked row: every field starts with "`", so ",`" separates them even when a name holds a comma. */
function backticked(line: string): string[] {
  if (!line.startsWith('`')) throw bad(`a data row does not start with a backtick: ${line.slice(0, 40)}`);
  return line.slice(1).split(',`');
}

function rowsOf(header: string[], line: string): Row {
  const values = backticked(line);
  if (values.length !== header.length)
    throw bad(`a row has ${values.length} fields, the header ${header.length}`);
  return Object.fromEntries(header.map((h, i) => [h, values[i]!.trim()]));
}

function milli(row: Row, col: string): number {
  const v = yuanToMilliFen(row[col] ?? '');
  if (v === null) throw bad(`${col} is not an amount: ${row[col]}`);
  return v;
}

/** Parses the bill for `date`; checks the rows against the summary row and fails on any difference. */
export function parseTradeBill(text: string, date: string): Statement {
  const lines = text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '');
  const header = lines[0]?.split(',').map((h) => h.trim()) ?? [];
  const missing = DETAIL_COLUMNS.filter((c) => c !== '特约商户号' && c !== '费率备注' && !header.includes(c));
  if (missing.length) throw bad(`unknown layout, missing columns ${missing.join(', ')}`);
  const at = lines.findIndex((l) => l.startsWith(SUMMARY_COLUMNS[0]));
  if (at < 1 || at + 1 >= lines.length) throw bad('no summary rows');
  const rows = lines.slice(1, at).map((l) => rowsOf(header, l));
  const summary = rowsOf(
    lines[at]!.split(',').map((h) => h.trim()),
    lines[at + 1]!,
  );

  const out: StatementLine[] = [];
  let settled = 0;
  let refunded = 0;
  let fees = 0;
  for (const r of rows) {
    settled += milli(r, '应结订单金额');
    refunded += milli(r, '退款金额');
    const fee = milli(r, '手续费');
    fees += fee;
    const when = parseBeijingDateTime(r['交易时间'] ?? '');
    if (!when) throw bad(`交易时间 is not a time: ${r['交易时间']}`);
    const base = {
      provider: 'wechat' as const,
      outTradeNo: r['商户订单号']!,
      providerRef: r['微信订单号']!,
      at: when,
      merchantId: r['商户号']!,
      appId: r['公众账号ID'] || null,
    };
    const state = r['交易状态'];
    const refundNo = state === 'REFUND' ? r['商户退款单号']! : null;
    const refundRef = state === 'REFUND' ? r['微信退款单号']! : null;
    if (state === 'SUCCESS') {
      out.push({
        ...base,
        kind: 'payment',
        outRefundNo: null,
        providerRefundRef: null,
        amount: milliFenToFen(milli(r, '订单金额')),
      });
    } else if (state === 'REFUND' && r['退款状态'] === 'SUCCESS') {
      // 申请退款金额 is what we asked back; 退款金额 what settled (less non-cash coupons).
      const asked = r['申请退款金额'] ? milli(r, '申请退款金额') : milli(r, '退款金额');
      out.push({
        ...base,
        kind: 'refund',
        outRefundNo: refundNo,
        providerRefundRef: refundRef,
        amount: milliFenToFen(asked),
      });
    }
    if (fee !== 0)
      out.push({
        ...base,
        kind: 'fee',
        outRefundNo: refundNo,
        providerRefundRef: refundRef,
        amount: milliFenToFen(fee),
      });
  }
  const count = Number(summary['总交易单数']);
  if (count !== rows.length)
    throw bad(`summary counts ${summary['总交易单数']} rows, the file has ${rows.length}`);
  if (milli(summary, '应结订单总金额') !== settled) throw bad('应结订单总金额 differs from the rows');
  if (milli(summary, '退款总金额') !== refunded) throw bad('退款总金额 differs from the rows');
  if (milli(summary, '手续费总金额') !== fees) throw bad('手续费总金额 differs from the rows');
  const sum = (k: StatementLine['kind']) => out.filter((l) => l.kind === k).reduce((s, l) => s + l.amount, 0);
  return {
    provider: 'wechat',
    date,
    lines: out,
    totals: {
      payments: sum('payment'),
      paymentCount: out.filter((l) => l.kind === 'payment').length,
      refunds: sum('refund'),
      refundCount: out.filter((l) => l.kind === 'refund').length,
      fees: milliFenToFen(fees),
    },
  };
}
