import { DETAIL_COLUMNS, SUMMARY_COLUMNS } from '../core/payments/wechat/bill.js';
import { toBeijingDateTime } from '../core/payments/china-time.js';

/** One trade-bill row before formatting (amounts in fen). */
export interface BillRow {
  at: Date;
  appid: string;
  mchid: string;
  transactionId: string;
  outTradeNo: string;
  openid: string;
  tradeType: string;
  state: 'SUCCESS' | 'REFUND';
  /** payment: the order total; refund: the payment's total */
  orderTotal: number;
  settled: number;
  refundId: string;
  outRefundNo: string;
  refund: number;
  fee: number;
  description: string;
  attach: string;
}

const yuan = (fen: number, decimals = 2) => {
  const s = (Math.abs(fen) / 100).toFixed(2) + (decimals > 2 ? '0'.repeat(decimals - 2) : '');
  return fen < 0 ? `-${s}` : s;
};

/** WeChat Pay's ALL trade bill: header, backticked rows, summary header and row; CRLF like the real files. */
export function formatTradeBill(rows: BillRow[], feeRate: number): string {
  const lines = [DETAIL_COLUMNS.join(',')];
  for (const r of rows) {
    const refund = r.state === 'REFUND';
    const v: Record<(typeof DETAIL_COLUMNS)[number], string> = {
      交易时间: toBeijingDateTime(r.at),
      公众账号ID: r.appid,
      商户号: r.mchid,
      特约商户号: '0',
      设备号: '',
      微信订单号: r.transactionId,
      商户订单号: r.outTradeNo,
      用户标识: r.openid,
      交易类型: r.tradeType,
      交易状态: r.state,
      付款银行: 'OTHERS',
      货币种类: 'CNY',
      应结订单金额: yuan(r.settled),
      代金券金额: '0.00',
      微信退款单号: refund ? r.refundId : '0',
      商户退款单号: refund ? r.outRefundNo : '0',
      退款金额: yuan(r.refund),
      充值券退款金额: '0.00',
      退款类型: refund ? 'ORIGINAL' : '',
      退款状态: refund ? 'SUCCESS' : '',
      商品名称: r.description,
      商户数据包: r.attach,
      手续费: yuan(r.fee, 5),
      费率: `${(feeRate * 100).toFixed(2)}%`,
      订单金额: yuan(r.orderTotal),
      申请退款金额: yuan(r.refund),
      费率备注: '',
    };
    lines.push(DETAIL_COLUMNS.map((c) => `\`${v[c]}`).join(','));
  }
  const sum = (f: (r: BillRow) => number) => rows.reduce((s, r) => s + f(r), 0);
  lines.push(SUMMARY_COLUMNS.join(','));
  lines.push(
    [
      String(rows.length),
      yuan(sum((r) => r.settled)),
      yuan(sum((r) => r.refund)),
      '0.00',
      yuan(
        sum((r) => r.fee),
        5,
      ),
      yuan(sum((r) => (r.state === 'SUCCESS' ? r.orderTotal : 0))),
      yuan(sum((r) => r.refund)),
    ]
      .map((x) => `\`${x}`)
      .join(','),
  );
  return lines.join('\r\n') + '\r\n';
}
