import { z } from 'zod';
import { parseBeijingDateTime } from '../china-time.js';
import { yuanToFen } from '../money.js';

/**
 * Alipay open-platform answers and async notification parameters, as documented
 * (extra fields pass through). Parsed only after the signature verified.
 */
const id = z.string().min(1).max(64);

/** "12.34" yuan with at most two decimals → integer fen. */
export const Yuan = z
  .string()
  .regex(/^\d{1,10}(\.\d{1,2})?$/, 'must be yuan with at most two decimals')
  .transform((s) => yuanToFen(s)!);

export const BeijingTime = z
  .string()
  .transform(
    (s, ctx) => parseBeijingDateTime(s) ?? (ctx.addIssue({ code: 'custom', message: 'not a time' }), z.NEVER),
  );

export const TradeStatus = z.enum(['WAIT_BUYER_PAY', 'TRADE_CLOSED', 'TRADE_SUCCESS', 'TRADE_FINISHED']);

export const PrecreateAnswer = z.object({ out_trade_no: id, qr_code: z.string().min(1) });

export const QueryAnswer = z.object({
  trade_no: id,
  out_trade_no: id,
  trade_status: TradeStatus,
  total_amount: Yuan,
  send_pay_date: BeijingTime.optional(),
});

export const RefundAnswer = z.object({
  trade_no: id,
  out_trade_no: id,
  fund_change: z.enum(['Y', 'N']),
  /** the trade's refunded total so far, not this refund's amount */
  refund_fee: Yuan,
  gmt_refund_pay: BeijingTime.optional(),
});

export const RefundQueryAnswer = z.object({
  trade_no: id.optional(),
  out_trade_no: id.optional(),
  out_request_no: id.optional(),
  refund_amount: Yuan.optional(),
  refund_status: z.string().optional(),
  gmt_refund_pay: BeijingTime.optional(),
});

export const BillAnswer = z.object({ bill_download_url: z.string().url() });

/** An async notification (notify_type trade_status_sync): a payment, or a refund when out_biz_no/refund_fee are set. */
export const Notification = z.object({
  notify_id: z.string().min(1),
  notify_type: z.literal('trade_status_sync'),
  notify_time: z.string(),
  app_id: id,
  charset: z.enum(['utf-8', 'UTF-8']).optional(),
  trade_no: id,
  out_trade_no: id,
  out_biz_no: id.optional(),
  seller_id: id,
  trade_status: TradeStatus,
  total_amount: Yuan,
  refund_fee: Yuan.optional(),
  gmt_payment: BeijingTime.optional(),
  gmt_refund: BeijingTime.optional(),
});
