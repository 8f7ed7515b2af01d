import type { z } from 'zod';
import type { Clock } from '../../clock.js';
import { toBeijingDateTime } from '../china-time.js';
import { paymentError } from '../errors.js';
import {
  SCENES_BY_PROVIDER,
  type CreatedPayment,
  type CreatePaymentRequest,
  type NotificationAck,
  type PaymentQuery,
  type ProviderGateway,
  type ProviderNotice,
  type RawHeaders,
  type RefundQuery,
  type RefundRequest,
  type RefundState,
  type Statement,
} from '../gateway.js';
import { exchange } from '../http.js';
import { fenToYuan } from '../money.js';
import { detailCsvOf, parseTradeBillCsv } from './bill.js';
import { AlipayClient, outcomeOf, rejectionOf, type AlipayAnswer, type AlipayCredentials } from './client.js';
import { TRADE_STATUS, alipayNotificationAck, parseAlipayNotification } from './notify.js';
import { BillAnswer, PrecreateAnswer, QueryAnswer, RefundAnswer, RefundQueryAnswer } from './schemas.js';

/** Refund refusals worth sending again later with the same out_request_no. */
const RETRYABLE_REFUND_CODES = new Set(['ACQ.SELLER_BALANCE_NOT_ENOUGH', 'ACQ.SYSTEM_ERROR']);

const PRODUCT: Record<'precreate' | 'wap' | 'page', { method: string; product: string }> = {
  precreate: { method: 'alipay.trade.precreate', product: 'FACE_TO_FACE_PAYMENT' },
  wap: { method: 'alipay.trade.wap.pay', product: 'QUICK_WAP_WAY' },
  page: { method: 'alipay.trade.page.pay', product: 'FAST_INSTANT_TRADE_PAY' },
};

function parsed<S extends z.ZodType>(schema: S, a: AlipayAnswer, what: string): z.output<S> {
  const r = schema.safeParse(a);
  if (!r.success)
    throw paymentError('provider_answer_unverified', `Alipay ${what} answer does not match its schema`, {
      issues: r.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`),
    });
  return r.data;
}

/**
 * Alipay open platform (gateway.do, RSA2, public-key mode): face-to-face precreate, mobile
 * web (wap) and desktop (page) payments, query, close, refund, refund query and the trade
 * bill. Amounts cross the wire as yuan with two decimals and come back as fen.
 */
export class AlipayGateway implements ProviderGateway {
  readonly provider = 'alipay' as const;
  private readonly client: AlipayClient;

  constructor(
    private readonly creds: AlipayCredentials,
    clock: Clock,
  ) {
    this.client = new AlipayClient(creds, clock);
  }

  get merchantId() {
    return this.creds.sellerId;
  }
  get appId() {
    return this.creds.appId;
  }

  async createPayment(req: CreatePaymentRequest): Promise<CreatedPayment> {
    if (!SCENES_BY_PROVIDER.alipay.includes(req.scene))
      throw paymentError('invalid_payment_request', `scene ${req.scene} is not an Alipay scene`);
    if (!Number.isSafeInteger(req.amount) || req.amount < 1)
      throw paymentError('invalid_payment_request', 'amount must be a positive whole number of fen');
    if (!/^[0-9A-Za-z_]{1,64}$/.test(req.outTradeNo))
      throw paymentError('invalid_payment_request', 'out_trade_no must be 1–64 of [0-9A-Za-z_]');
    const { method, product } = PRODUCT[req.scene as keyof typeof PRODUCT];
    const biz = {
      out_trade_no: req.outTradeNo,
      total_amount: fenToYuan(req.amount),
      subject: req.description.slice(0, 256),
      product_code: product,
      time_expire: toBeijingDateTime(req.expiresAt),
      ...(req.scene === 'wap' && req.returnUrl ? { quit_url: req.returnUrl } : {}),
    };
    const base = { provider: this.provider, outTradeNo: req.outTradeNo };
    if (req.scene !== 'precreate') {
      const url = this.client.pageUrl(method, biz, { notifyUrl: req.notifyUrl, returnUrl: req.returnUrl });
      return { ...base, action: { kind: 'redirect', url } };
    }
    const a = await this.client.exec(method, biz, { notifyUrl: req.notifyUrl });
    if (!outcomeOf(a).ok) throw rejectionOf(a, 'precreate');
    const { qr_code } = parsed(PrecreateAnswer, a, 'precreate');
    return { ...base, action: { kind: 'qr', content: qr_code } };
  }

  parseNotification(_headers: RawHeaders, rawBody: Buffer): ProviderNotice {
    return parseAlipayNotification(this.client, rawBody);
  }

  notificationAck(ok: boolean): NotificationAck {
    return alipayNotificationAck(ok);
  }

  async queryPayment(outTradeNo: string): Promise<PaymentQuery> {
    const a = await this.client.exec('alipay.trade.query', { out_trade_no: outTradeNo });
    const o = outcomeOf(a);
    if (!o.ok && o.subCode === 'ACQ.TRADE_NOT_EXIST')
      return { status: 'not_found', provider: this.provider, outTradeNo };
    if (!o.ok) throw rejectionOf(a, 'trade query');
    const q = parsed(QueryAnswer, a, 'trade query');
    if (q.out_trade_no !== outTradeNo)
      throw paymentError('provider_answer_unverified', 'Alipay answered for another trade');
    // A closed trade that had been paid was refunded in full.
    const status =
      q.trade_status === 'TRADE_CLOSED' && q.send_pay_date ? 'refunded' : TRADE_STATUS[q.trade_status];
    return {
      provider: this.provider,
      outTradeNo,
      providerRef: q.trade_no,
      amount: q.total_amount,
      currency: 'CNY',
      // the query is answered for the app that signed it; Alipay repeats neither id
      merchantId: this.creds.sellerId,
      appId: this.creds.appId,
      status,
      providerStatus: q.trade_status,
      paidAt: q.send_pay_date ?? null,
    };
  }

  async closePayment(outTradeNo: string): Promise<'closed' | 'paid' | 'not_found'> {
    const a = await this.client.exec('alipay.trade.close', { out_trade_no: outTradeNo });
    const o = outcomeOf(a);
    if (o.ok) return 'closed';
    if (o.subCode === 'ACQ.TRADE_NOT_EXIST') return 'not_found';
    if (o.subCode === 'ACQ.TRADE_STATUS_ERROR') {
      // closed already, or paid: only a query tells which
      const q = await this.queryPayment(outTradeNo);
      return q.status === 'succeeded' || q.status === 'refunded' ? 'paid' : 'closed';
    }
    throw rejectionOf(a, 'trade close');
  }

  async refund(req: RefundRequest): Promise<RefundState> {
    const a = await this.client.exec('alipay.trade.refund', {
      out_trade_no: req.outTradeNo,
      refund_amount: fenToYuan(req.amount),
      out_request_no: req.outRefundNo,
      ...(req.reason ? { refund_reason: req.reason.slice(0, 256) } : {}),
    });
    const o = outcomeOf(a);
    if (!o.ok && (o.code === '20000' || o.subCode === 'ACQ.SYSTEM_ERROR')) throw rejectionOf(a, 'refund');
    if (!o.ok)
      return {
        provider: this.provider,
        outTradeNo: req.outTradeNo,
        outRefundNo: req.outRefundNo,
        providerRefundRef: null,
        status: 'failed',
        providerStatus: o.subCode || o.code,
        amount: req.amount,
        settledAt: null,
        failureCode: o.subCode || o.code,
        retryable: RETRYABLE_REFUND_CODES.has(o.subCode),
      };
    const r = parsed(RefundAnswer, a, 'refund');
    if (r.fund_change === 'Y')
      return {
        provider: this.provider,
        outTradeNo: req.outTradeNo,
        outRefundNo: req.outRefundNo,
        providerRefundRef: null,
        status: 'succeeded',
        providerStatus: 'REFUND_SUCCESS',
        amount: req.amount,
        settledAt: r.gmt_refund_pay ?? null,
      };
    // fund_change N: this out_request_no was refunded before (a retry), or no money moved yet — ask.
    const q = await this.queryRefund(req);
    return q.status === 'not_found' ? { ...this.pending(req) } : q;
  }

  private pending(req: RefundRequest): RefundState {
    return {
      provider: this.provider,
      outTradeNo: req.outTradeNo,
      outRefundNo: req.outRefundNo,
      providerRefundRef: null,
      status: 'pending',
      providerStatus: '',
      amount: req.amount,
      settledAt: null,
    };
  }

  async queryRefund(ref: { outTradeNo: string; outRefundNo: string }): Promise<RefundQuery> {
    const a = await this.client.exec('alipay.trade.fastpay.refund.query', {
      out_trade_no: ref.outTradeNo,
      out_request_no: ref.outRefundNo,
      query_options: ['gmt_refund_pay'],
    });
    const o = outcomeOf(a);
    if (!o.ok && o.subCode === 'ACQ.TRADE_NOT_EXIST')
      return { status: 'not_found', provider: this.provider, outRefundNo: ref.outRefundNo };
    if (!o.ok) throw rejectionOf(a, 'refund query');
    const q = parsed(RefundQueryAnswer, a, 'refund query');
    // Alipay answers 10000 without refund fields when it knows no such refund.
    if (q.refund_amount === undefined)
      return { status: 'not_found', provider: this.provider, outRefundNo: ref.outRefundNo };
    const done = q.refund_status === 'REFUND_SUCCESS';
    return {
      provider: this.provider,
      outTradeNo: ref.outTradeNo,
      outRefundNo: ref.outRefundNo,
      providerRefundRef: null,
      status: done ? 'succeeded' : 'pending',
      providerStatus: q.refund_status ?? '',
      amount: q.refund_amount,
      settledAt: done ? (q.gmt_refund_pay ?? null) : null,
    };
  }

  async fetchStatement(date: string): Promise<Statement> {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date))
      throw paymentError('invalid_payment_request', `bill date must be yyyy-MM-dd: ${date}`);
    const a = await this.client.exec('alipay.data.dataservice.bill.downloadurl.query', {
      bill_type: 'trade',
      bill_date: date,
    });
    const o = outcomeOf(a);
    if (!o.ok && o.subCode === 'isp.bill_not_exist')
      throw paymentError('statement_not_ready', `Alipay has no trade bill for ${date} yet`);
    if (!o.ok) throw rejectionOf(a, 'bill download URL');
    const { bill_download_url } = parsed(BillAnswer, a, 'bill download URL');
    // The URL is a short-lived token, unsigned; the file has no hash: its own totals are checked instead.
    const res = await exchange(bill_download_url, { method: 'GET', headers: {} }, this.creds.timeoutMs);
    if (res.status !== 200)
      throw paymentError('provider_unreachable', `Alipay bill download answered ${res.status}`);
    return parseTradeBillCsv(detailCsvOf(res.body), date, this.creds.sellerId, this.creds.appId);
  }
}
