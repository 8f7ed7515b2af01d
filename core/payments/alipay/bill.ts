import { unzipSync } from 'fflate';
import { parseBeijingDateTime } from '../china-time.js';
import { paymentError } from '../errors.js';
import type { Statement, StatementLine } from '../gateway.js';
import { milliFenToFen, yuanToMilliFen } from '../money.js';

/**
 * Alipay's trade bill (alipay.data.dataservice.bill.downloadurl.query, bill_type=trade):
 * a zip of GBK-encoded CSV files, `<PID>_<yyyymmdd>_业务明细.csv` (one row per trade or
 * refund) and `…_业务明细(汇总).csv` (per-store totals). The detail file has `#` comment
 * lines around the table — account, period, the start and end markers, and the totals
 * (#交易合计：N笔，商家实收共X元… / #退款合计：N笔，商家实收退款共-X元…) — and values padded
 * with tabs so spreadsheets keep them as text. File names in the zip are GBK too.
 */
export const DETAIL_COLUMNS = [
  '支付宝交易号',
  '商户订单号',
  '业务类型',
  '商品名称',
  '创建时间',
  '完成时间',
  '门店编号',
  '门店名称',
  '操作员',
  '终端号',
  '对方账户',
  '订单金额（元）',
  '商家实收（元）',
  '支付宝红包（元）',
  '集分宝（元）',
  '支付宝优惠（元）',
  '商家优惠（元）',
  '券核销金额（元）',
  '券名称',
  '商家红包消费金额（元）',
  '卡消费金额（元）',
  '退款批次号/请求号',
  '服务费（元）',
  '分润（元）',
  '备注',
] as const;

const gbk = new TextDecoder('gbk', { fatal: true });
const bad = (message: string) => paymentError('statement_inconsistent', `Alipay trade bill: ${message}`);

/** A zip entry's name: GBK bytes unless the entry sets the UTF-8 flag (fflate hands both over as latin1 / UTF-8). */
function entryName(name: string): string {
  // fflate decodes names without the UTF-8 flag byte-for-byte (latin1): undo that, then read GBK.
  const bytes = Buffer.from(name, 'latin1');
  try {
    return [...name].some((c) => c.charCodeAt(0) > 0xff) ? name : gbk.decode(bytes);
  } catch {
    return name;
  }
}

/** The 业务明细 CSV text out of the downloaded zip. */
export function detailCsvOf(zip: Uint8Array): string {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(zip);
  } catch (e) {
    throw bad(`not a zip file (${(e as Error).message})`);
  }
  const detail = Object.entries(files).find(([n]) => /_业务明细\.csv$/.test(entryName(n)));
  if (!detail) throw bad(`no 业务明细 file among ${Object.keys(files).map(entryName).join(', ')}`);
  try {
    return gbk.decode(detail[1]);
  } catch {
    throw bad('the detail file is not GBK text');
  }
}

function cells(line: string): string[] {
  return line.split(',').map((c) => c.trim());
}

function milli(row: Record<string, string>, col: string): number {
  const v = yuanToMilliFen(row[col] || '0');
  if (v === null) throw bad(`${col} is not an amount: ${row[col]}`);
  return v;
}

/** Reads "#交易合计：3笔，商家实收共12.34元，…" into its count and amount. */
function footer(lines: string[], label: '交易合计' | '退款合计'): { count: number; milli: number } | null {
  const line = lines.find((l) => l.startsWith(`#${label}：`));
  const m = line && /：(\d+)笔，商家实收(?:退款)?共(-?[\d.]+)元/.exec(line);
  if (!m) return null;
  return { count: Number(m[1]), milli: yuanToMilliFen(m[2]!) ?? NaN };
}

/** Parses the detail CSV for `date`; the rows must add up to the #合计 lines. */
export function parseTradeBillCsv(text: string, date: string, merchantId: string, appId: string): Statement {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const start = lines.findIndex((l) => l.startsWith('支付宝交易号'));
  if (start < 0) throw bad('no detail header');
  const header = cells(lines[start]!);
  const missing = DETAIL_COLUMNS.filter((c) => !header.includes(c));
  if (missing.length) throw bad(`unknown layout, missing columns ${missing.join(', ')}`);
  const rows = [];
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith('#')) break;
    if (!line.trim()) continue;
    const values = cells(line);
    if (values.length < header.length)
      throw bad(`a row has ${values.length} fields, the header ${header.length}`);
    rows.push(Object.fromEntries(header.map((h, i) => [h, values[i]!])));
  }
  const out: StatementLine[] = [];
  const sums = { trade: { count: 0, milli: 0 }, refund: { count: 0, milli: 0 } };
  for (const r of rows) {
    const kind = r['业务类型'] === '交易' ? 'payment' : r['业务类型'] === '退款' ? 'refund' : null;
    if (!kind) continue; // other business types (e.g. 冻结) move no money of a trade
    const at = parseBeijingDateTime(r['完成时间'] || r['创建时间'] || '');
    if (!at) throw bad(`完成时间 is not a time: ${r['完成时间']}`);
    const s = kind === 'payment' ? sums.trade : sums.refund;
    s.count++;
    s.milli += milli(r, '商家实收（元）');
    const base = {
      provider: 'alipay' as const,
      outTradeNo: r['商户订单号']!,
      outRefundNo: kind === 'refund' ? r['退款批次号/请求号'] || null : null,
      providerRef: r['支付宝交易号']!,
      providerRefundRef: null,
      at,
      merchantId,
      appId,
    };
    // Refund rows carry negative amounts: the money goes back out.
    out.push({ ...base, kind, amount: Math.abs(milliFenToFen(milli(r, '订单金额（元）'))) });
    // 服务费 is the merchant's side of the fee: negative when charged, positive when returned.
    const fee = -milli(r, '服务费（元）');
    if (fee !== 0) out.push({ ...base, kind: 'fee', amount: milliFenToFen(fee) });
  }
  for (const [label, sum] of [
    ['交易合计', sums.trade],
    ['退款合计', sums.refund],
  ] as const) {
    const f = footer(lines, label);
    if (!f) throw bad(`no #${label} line`);
    if (f.count !== sum.count || f.milli !== sum.milli) throw bad(`#${label} differs from the rows`);
  }
  const sum = (k: StatementLine['kind']) => out.filter((l) => l.kind === k).reduce((a, l) => a + l.amount, 0);
  return {
    provider: 'alipay',
    date,
    lines: out,
    totals: {
      payments: sum('payment'),
      paymentCount: sums.trade.count,
      refunds: sum('refund'),
      refundCount: sums.refund.count,
      fees: sum('fee'),
    },
  };
}
