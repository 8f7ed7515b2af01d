import { createHash } from 'node:crypto';
import type { Clock } from '../../clock.js';
import { parseRfc3339, toRfc3339Beijing } from '../china-time.js';
import { paymentError } from '../errors.js';
import {
  SCENES_BY_PROVIDER,
  type AbnormalRefundRequest,
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
import { parseTradeBill } from './bill.js';
import {
  errorCode,
  expectOk,
  rejection,
  WechatClient,
  type WechatAnswer,
  type WechatCredentials,
} from './client.js';
import { REFUND_STATUS, paymentStateOf, parseWechatNotification } from './notify.js';
import { H5Answer, JsapiAnswer, NativeAnswer, Refund, TradeBillAnswer, Transaction } from './schemas.js';
import { nonce, rsaSign, signingMessage } from './sign.js';

/** Refund failures worth sending again later (the merchant's balance can be topped up). */
const RETRYABLE_REFUND_CODES = new Set(['NOT_ENOUGH', 'FREQUENCY_LIMITED', 'SYSTEM_ERROR']);

/**
 * WeChat Pay API v3 for a direct merchant (直连商户): Native, JSAPI and H5 payments,
 * query, close, domestic refunds and the trade bill. Signing and verification are
 * node:crypto (sign.ts, aead.ts); see docs/adr/0009-payment-providers.md.
 */
export class WechatPayGateway implements ProviderGateway {
  readonly provider = 'wechat' as const;
  private readonly client: WechatClient;

  constructor(
    private readonly creds: WechatCredentials,
    private readonly clock: Clock,
  ) {
    this.client = new WechatClient(creds, clock);
  }

  get merchantId() {
    return this.creds.mchid;
  }
  get appId() {
    return this.creds.appid;
  }

  async createPayment(req: CreatePaymentRequest): Promise<CreatedPayment> {
    checkRequest(req);
    const body: Record<string, unknown> = {
      appid: this.creds.appid,
      mchid: this.creds.mchid,
      description: req.description.slice(0, 127),
      out_trade_no: req.outTradeNo,
      time_expire: toRfc3339Beijing(req.expiresAt),
      notify_url: req.notifyUrl,
      amount: { total: req.amount, currency: req.currency },
    };
    if (req.scene === 'jsapi') body.payer = { openid: req.payer?.openid };
    if (req.scene === 'h5')
      body.scene_info = { payer_client_ip: req.payer?.clientIp, h5_info: { type: 'Wap' } };
    const answer = await this.client.call('POST', `/v3/pay/transactions/${req.scene}`, body);
    const base = { provider: this.provider, outTradeNo: req.outTradeNo };
    if (req.scene === 'native') {
      const { code_url } = expectOk(answer, NativeAnswer, 'Native order');
      return { ...base, action: { kind: 'qr', content: code_url } };
    }
    if (req.scene === 'h5') {
      const { h5_url } = expectOk(answer, H5Answer, 'H5 order');
      const url = req.returnUrl ? `${h5_url}&redirect_url=${encodeURIComponent(req.returnUrl)}` : h5_url;
      return { ...base, action: { kind: 'redirect', url } };
    }
    const { prepay_id } = expectOk(answer, JsapiAnswer, 'JSAPI order');
    return { ...base, action: { kind: 'jsapi', params: this.jsapiParams(prepay_id) } };
  }

  /** The mini-program's wx.requestPayment arguments, signed with the merchant key. */
  private jsapiParams(prepayId: string) {
    const timeStamp = String(Math.floor(this.clock.now().getTime() / 1000));
    const nonceStr = nonce();
    const pkg = `prepay_id=${prepayId}`;
    const paySign = rsaSign(
      this.creds.privateKey,
      signingMessage(this.creds.appid, timeStamp, nonceStr, pkg),
    );
    return { appId: this.creds.appid, timeStamp, nonceStr, package: pkg, signType: 'RSA' as const, paySign };
  }

  parseNotification(headers: RawHeaders, rawBody: Buffer): ProviderNotice {
    return parseWechatNotification(this.creds, headers, rawBody, this.clock.now().getTime());
  }

  /** 204 without a body means received; anything else (with WeChat's FAIL body) makes WeChat retry. */
  notificationAck(ok: boolean): NotificationAck {
    return ok
      ? { status: 204, contentType: 'application/json', body: '' }
      : {
          status: 500,
          contentType: 'application/json',
          body: JSON.stringify({ code: 'FAIL', message: '失败' }),
        };
  }

  async queryPayment(outTradeNo: string): Promise<PaymentQuery> {
    const path = `/v3/pay/transactions/out-trade-no/${encodeURIComponent(outTradeNo)}?mchid=${this.creds.mchid}`;
    const answer = await this.client.call('GET', path);
    if (answer.status === 404 && errorCode(answer) === 'ORDER_NOT_EXIST')
      return { status: 'not_found', provider: this.provider, outTradeNo };
    const t = expectOk(answer, Transaction, 'payment query');
    if (t.out_trade_no !== outTradeNo || t.mchid !== this.creds.mchid)
      throw paymentError('provider_answer_unverified', 'WeChat Pay answered for another payment');
    return paymentStateOf(t);
  }

  async closePayment(outTradeNo: string): Promise<'closed' | 'paid' | 'not_found'> {
    const path = `/v3/pay/transactions/out-trade-no/${encodeURIComponent(outTradeNo)}/close`;
    const answer = await this.client.call('POST', path, { mchid: this.creds.mchid });
    if (answer.status === 204 || answer.status === 200) return 'closed';
    const code = errorCode(answer);
    if (code === 'ORDERPAID') return 'paid';
    if (code === 'ORDER_CLOSED') return 'closed';
    if (code === 'ORDER_NOT_EXIST') return 'not_found';
    throw rejection(answer, 'close');
  }

  async refund(req: RefundRequest): Promise<RefundState> {
    const answer = await this.client.call('POST', '/v3/refund/domestic/refunds', {
      out_trade_no: req.outTradeNo,
      out_refund_no: req.outRefundNo,
      ...(req.reason ? { reason: req.reason.slice(0, 80) } : {}),
      ...(req.notifyUrl ? { notify_url: req.notifyUrl } : {}),
      amount: { refund: req.amount, total: req.paymentAmount, currency: req.currency },
    });
    if (answer.status >= 400 && answer.status < 500 && answer.status !== 429)
      return this.refusedRefund(req, answer);
    return this.refundStateOf(expectOk(answer, Refund, 'refund'), req.outRefundNo);
  }

  /** A refund WeChat declined outright (balance, amount, unknown trade…): failed, with its code. */
  private refusedRefund(req: RefundRequest, answer: WechatAnswer): RefundState {
    const code = errorCode(answer);
    return {
      provider: this.provider,
      outTradeNo: req.outTradeNo,
      outRefundNo: req.outRefundNo,
      providerRefundRef: null,
      status: 'failed',
      providerStatus: code,
      amount: req.amount,
      settledAt: null,
      failureCode: code,
      retryable: RETRYABLE_REFUND_CODES.has(code),
    };
  }

  private refundStateOf(r: Refund, outRefundNo: string): RefundState {
    if (r.out_refund_no !== outRefundNo)
      throw paymentError('provider_answer_unverified', 'WeChat Pay answered for another refund');
    const status = REFUND_STATUS[r.status];
    return {
      provider: this.provider,
      outTradeNo: r.out_trade_no,
      outRefundNo: r.out_refund_no,
      providerRefundRef: r.refund_id,
      status,
      providerStatus: r.status,
      amount: r.amount.refund,
      settledAt: r.success_time ? parseRfc3339(r.success_time) : null,
      ...(status === 'failed' ? { failureCode: r.status, retryable: false } : {}),
    };
  }

  async queryRefund(ref: { outTradeNo: string; outRefundNo: string }): Promise<RefundQuery> {
    const answer = await this.client.call(
      'GET',
      `/v3/refund/domestic/refunds/${encodeURIComponent(ref.outRefundNo)}`,
    );
    if (answer.status === 404)
      return { status: 'not_found', provider: this.provider, outRefundNo: ref.outRefundNo };
    return this.refundStateOf(expectOk(answer, Refund, 'refund query'), ref.outRefundNo);
  }

  /**
   * 发起异常退款 (POST /v3/refund/domestic/refunds/{refund_id}/apply-abnormal-refund): an
   * ABNORMAL refund's money sits in WeChat's refund account until the merchant says where
   * it goes; re-sending the refund with the same out_refund_no only answers ABNORMAL again.
   * `MERCHANT_BANK_CARD` needs no payer bank details (USER_BANK_CARD would need the payer's
   * card number and real name, encrypted with the platform key, which Scenic never keeps).
   */
  async applyAbnormalRefund(ref: AbnormalRefundRequest): Promise<RefundState> {
    const path = `/v3/refund/domestic/refunds/${encodeURIComponent(ref.providerRefundRef)}/apply-abnormal-refund`;
    const answer = await this.client.call('POST', path, {
      out_refund_no: ref.outRefundNo,
      type: 'MERCHANT_BANK_CARD',
    });
    if (answer.status >= 400 && answer.status < 500 && answer.status !== 429) {
      const code = errorCode(answer);
      return {
        provider: this.provider,
        outTradeNo: ref.outTradeNo,
        outRefundNo: ref.outRefundNo,
        providerRefundRef: ref.providerRefundRef,
        status: 'failed',
        providerStatus: code,
        amount: 0,
        settledAt: null,
        failureCode: code,
        retryable: RETRYABLE_REFUND_CODES.has(code),
      };
    }
    return this.refundStateOf(expectOk(answer, Refund, 'abnormal refund'), ref.outRefundNo);
  }

  async fetchStatement(date: string): Promise<Statement> {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date))
      throw paymentError('invalid_payment_request', `bill date must be yyyy-MM-dd: ${date}`);
    const answer = await this.client.call('GET', `/v3/bill/tradebill?bill_date=${date}&bill_type=ALL`);
    if (answer.status === 400 && ['NO_STATEMENT_EXIST', 'STATEMENT_CREATING'].includes(errorCode(answer)))
      throw paymentError('statement_not_ready', `WeChat Pay has no trade bill for ${date} yet`);
    const bill = expectOk(answer, TradeBillAnswer, 'trade bill');
    const file = await this.client.download(bill.download_url);
    const hash = createHash('sha1').update(file).digest('hex');
    if (hash !== bill.hash_value.toLowerCase())
      throw paymentError(
        'statement_inconsistent',
        `WeChat Pay trade bill for ${date} does not match its SHA1`,
      );
    return parseTradeBill(file.toString('utf8'), date);
  }
}

function checkRequest(req: CreatePaymentRequest): void {
  const problem = !SCENES_BY_PROVIDER.wechat.includes(req.scene)
    ? `scene ${req.scene} is not a WeChat Pay scene`
    : !Number.isSafeInteger(req.amount) || req.amount < 1
      ? 'amount must be a positive whole number of fen'
      : !/^[0-9A-Za-z_\-|*]{6,32}$/.test(req.outTradeNo)
        ? 'out_trade_no must be 6–32 of [0-9A-Za-z_-|*]'
        : req.scene === 'jsapi' && !req.payer?.openid
          ? 'a JSAPI payment needs the payer openid'
          : req.scene === 'h5' && !req.payer?.clientIp
            ? 'an H5 payment needs the payer IP'
            : null;
  if (problem) throw paymentError('invalid_payment_request', problem);
}
