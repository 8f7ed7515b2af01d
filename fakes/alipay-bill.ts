import iconv from 'iconv-lite';
import { DETAIL_COLUMNS } from '../core/payments/alipay/bill.js';
import { toBeijingDateTime } from '../core/payments/china-time.js';
import { fenToYuan } from '../core/payments/money.js';
import { zip } from './kit/zip.js';

/** One bill row before formatting; refunds carry negative amounts, as Alipay prints them. */
export interface AlipayBillRow {
  tradeNo: string;
  outTradeNo: string;
  type: '交易' | '退款';
  subject: string;
  createdAt: Date;
  finishedAt: Date;
  /** signed fen: negative for refunds */
  amount: number;
  /** the merchant's side of the fee, signed fen: negative when charged, positive when returned */
  serviceFee: number;
  outRequestNo: string;
}

/** Alipay pads text fields with a tab so spreadsheets keep long numbers as text. */
const t = (s: string) => `${s}\t`;

const cn = (at: Date) => {
  const [d, time] = toBeijingDateTime(at).split(' ');
  const [y, m, day] = d!.split('-');
  return `${y}年${m}月${day}日 ${time}`;
};

export function formatDetailCsv(pid: string, date: string, rows: AlipayBillRow[], exportedAt: Date): string {
  const start = new Date(`${date}T00:00:00+08:00`);
  const end = new Date(start.getTime() + 86_400_000);
  const lines = [
    '#支付宝业务明细查询',
    `#账号：[${pid}0156]`,
    `#起始日期：[${cn(start)}]   终止日期：[${cn(end)}]`,
    '#-----------------------------------------业务明细列表----------------------------------------',
    DETAIL_COLUMNS.join(','),
  ];
  for (const r of rows) {
    const v: Record<(typeof DETAIL_COLUMNS)[number], string> = {
      支付宝交易号: t(r.tradeNo),
      商户订单号: t(r.outTradeNo),
      业务类型: t(r.type),
      商品名称: r.subject.replace(/,/g, '，'),
      创建时间: toBeijingDateTime(r.createdAt),
      完成时间: toBeijingDateTime(r.finishedAt),
      门店编号: t(''),
      门店名称: t(''),
      操作员: t(''),
      终端号: t(''),
      对方账户: t('**客(138******00)'),
      '订单金额（元）': fenToYuan(r.amount),
      '商家实收（元）': fenToYuan(r.amount),
      '支付宝红包（元）': '0.00',
      '集分宝（元）': '0.00',
      '支付宝优惠（元）': '0.00',
      '商家优惠（元）': '0.00',
      '券核销金额（元）': '0.00',
      券名称: '',
      '商家红包消费金额（元）': t('0.00'),
      '卡消费金额（元）': '0.00',
      '退款批次号/请求号': t(r.outRequestNo),
      '服务费（元）': fenToYuan(r.serviceFee),
      '分润（元）': '0.00',
      备注: '',
    };
    lines.push(DETAIL_COLUMNS.map((c) => v[c]).join(','));
  }
  const sum = (type: AlipayBillRow['type']) => {
    const of = rows.filter((r) => r.type === type);
    return { n: of.length, yuan: fenToYuan(of.reduce((s, r) => s + r.amount, 0)) };
  };
  const trade = sum('交易');
  const refund = sum('退款');
  lines.push(
    '#-----------------------------------------业务明细列表结束------------------------------------',
    `#交易合计：${trade.n}笔，商家实收共${trade.yuan}元，商家优惠共0.00元`,
    `#退款合计：${refund.n}笔，商家实收退款共${refund.yuan}元，商家优惠退款共0.00元`,
    `#导出时间：[${cn(exportedAt)}]`,
  );
  return lines.join('\r\n') + '\r\n';
}

function summaryCsv(pid: string, date: string, rows: AlipayBillRow[]): string {
  const trades = rows.filter((r) => r.type === '交易');
  const refunds = rows.filter((r) => r.type === '退款');
  const total = rows.reduce((s, r) => s + r.amount, 0);
  const fees = rows.reduce((s, r) => s + r.serviceFee, 0);
  return [
    '#支付宝业务汇总查询',
    `#账号：[${pid}0156]`,
    `#日期：[${date}]`,
    '#-----------------------------------------业务汇总列表----------------------------------------',
    '门店编号,门店名称,交易订单总笔数,退款订单总笔数,订单金额（元）,商家实收（元）,支付宝优惠（元）,商家优惠（元）,卡消费金额（元）,服务费（元）,分润（元）,实收净额（元）',
    `,,${trades.length},${refunds.length},${fenToYuan(total)},${fenToYuan(total)},0.00,0.00,0.00,${fenToYuan(fees)},0.00,${fenToYuan(total + fees)}`,
    `合计,,${trades.length},${refunds.length},${fenToYuan(total)},${fenToYuan(total)},0.00,0.00,0.00,${fenToYuan(fees)},0.00,${fenToYuan(total + fees)}`,
    '#-----------------------------------------业务汇总列表结束-----------------------------------',
  ].join('\r\n');
}

/** The bill zip as Alipay serves it: two GBK CSV files with GBK names, no UTF-8 flag. */
export function billZip(pid: string, date: string, rows: AlipayBillRow[], exportedAt: Date): Buffer {
  const ymd = date.replaceAll('-', '');
  const gbk = (s: string) => iconv.encode(s, 'gbk');
  return zip([
    { name: gbk(`${pid}0156_${ymd}_业务明细.csv`), data: gbk(formatDetailCsv(pid, date, rows, exportedAt)) },
    { name: gbk(`${pid}0156_${ymd}_业务明细(汇总).csv`), data: gbk(summaryCsv(pid, date, rows)) },
  ]);
}
