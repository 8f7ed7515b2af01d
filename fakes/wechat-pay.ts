import { createHash, randomUUID, type KeyObject } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { beijingDate, beijingDayBounds, toRfc3339Beijing } from '../core/payments/china-time.js';
import { encryptResource } from '../core/payments/wechat/aead.js';
import {
  nonce,
  parseAuthorization,
  rsaSign,
  rsaVerify,
  signingMessage,
  SCHEME,
} from '../core/payments/wechat/sign.js';
import { digits, rsaPair, type RsaPair } from './kit/keys.js';
import { afterPayPage, closeServer, html, listen, payPage, type FakeRequest } from './kit/http.js';
import { Notifier, type CallbackPlan, type Delivery, type Outgoing } from './kit/notifier.js';
import { feeOf, newStatementHooks, type StatementHooks } from './kit/statement.js';
import { formatTradeBill, type BillRow } from './wechat-pay-bill.js';

/**
 * A local WeChat Pay API v3 for tests and the demo, faithful to the protocol: it makes
 * its own platform key (public-key mode, PUB_KEY_ID_…) and APIv3 key at start, verifies
 * every merchant request's WECHATPAY2-SHA256-RSA2048 signature against the merchant's
 * registered public key (401 SIGN_ERROR otherwise, unsigned, as WeChat does), signs every
 * answer and notification, encrypts notification resources (AEAD_AES_256_GCM) and serves
 * the trade bill. Payments and refunds live in memory. Steering is the `WechatPayFake` API.
 */
export interface FakeTransaction {
  appid: string;
  mchid: string;
  out_trade_no: string;
  description: string;
  notify_url: string;
  time_expire: string;
  amount: { total: number; currency: string };
  trade_type: 'NATIVE' | 'JSAPI' | 'MWEB';
  trade_state: 'NOTPAY' | 'SUCCESS' | 'REFUND' | 'CLOSED' | 'PAYERROR';
  transaction_id?: string;
  success_time?: string;
  prepay_id: string;
  openid: string;
  attach: string;
  paidAt?: Date;
}

export interface FakeRefund {
  out_refund_no: string;
  out_trade_no: string;
  refund_id: string;
  status: 'PROCESSING' | 'SUCCESS' | 'ABNORMAL' | 'CLOSED';
  amount: { total: number; refund: number };
  create_time: string;
  success_time?: string;
  notify_url?: string;
  settledAt?: Date;
  /** 发起异常退款: where the merchant told WeChat to send an ABNORMAL refund's money */
  abnormalTo?: 'USER_BANK_CARD' | 'MERCHANT_BANK_CARD';
}

export interface WechatPayFake {
  url: string;
  /** the merchant's and the platform's identities: everything the adapter's config needs */
  merchant: { mchid: string; appid: string; serial: string; keys: RsaPair };
  platform: { publicKeyId: string; keys: RsaPair };
  apiV3Key: string;
  /** SCENIC_WECHAT_* variables for the adapter (loadPaymentProviders) */
  env(): Record<string, string>;
  transactions: Map<string, FakeTransaction>;
  refunds: Map<string, FakeRefund>;
  notifier: Notifier;
  deliveries: Delivery[];
  statement: StatementHooks;
  /** the payer pays: SUCCESS, then the payment notification per `plan` */
  pay(outTradeNo: string, plan?: CallbackPlan): Promise<Delivery[]>;
  /** the payer's attempt fails (PAYERROR; WeChat notifies only successes) */
  refuse(outTradeNo: string): void;
  /** verifies a mini-program's wx.requestPayment arguments (paySign) and pays */
  payJsapi(
    params: { appId: string; timeStamp: string; nonceStr: string; package: string; paySign: string },
    plan?: CallbackPlan,
  ): Promise<Delivery[]>;
  /** the next `times` refund requests are refused with `code` (403 NOT_ENOUGH by default) */
  failRefunds(times: number, code?: 'NOT_ENOUGH' | 'SYSTEM_ERROR' | 'INVALID_REQUEST'): void;
  /** accepted refunds end this way (SUCCESS by default; ABNORMAL: the payer's account refused it) */
  refundOutcome: 'SUCCESS' | 'ABNORMAL';
  /** the next `times` 发起异常退款 requests are refused with `code` (400 INVALID_REQUEST by default) */
  failAbnormalApplications(times: number, code?: 'INVALID_REQUEST' | 'SYSTEM_ERROR'): void;
  /** every 发起异常退款 request accepted, in order */
  abnormalApplications: { refundId: string; type: 'USER_BANK_CARD' | 'MERCHANT_BANK_CARD' }[];
  /** how long an accepted refund stays PROCESSING */
  refundSettleMs: number;
  /** plan for refund notifications */
  refundPlan: CallbackPlan;
  /** the trade bill text for a Beijing date, as /v3/billdownload/file serves it */
  tradeBill(date: string): string;
  close(): Promise<void>;
}

const sha1 = (b: Buffer | string) => createHash('sha1').update(b).digest('hex');

export async function startWechatPayFake(
  opts: { port?: number; now?: () => Date } = {},
): Promise<WechatPayFake> {
  const now = opts.now ?? (() => new Date());
  const merchant = {
    mchid: `19${digits(8)}`,
    appid: `wx${randomUUID().replaceAll('-', '').slice(0, 16)}`,
    serial: randomUUID().replaceAll('-', '').toUpperCase().slice(0, 40),
    keys: rsaPair(),
  };
  const platform = { publicKeyId: `PUB_KEY_ID_01${digits(30)}`, keys: rsaPair() };
  const apiV3Key = randomUUID().replaceAll('-', '');
  const transactions = new Map<string, FakeTransaction>();
  const refunds = new Map<string, FakeRefund>();
  const billTokens = new Map<string, { date: string; expires: number }>();
  const notifier = new Notifier((status) => status === 200 || status === 204);
  let refundFailures = { times: 0, code: 'NOT_ENOUGH' };
  let abnormalFailures = { times: 0, code: 'INVALID_REQUEST' };
  let url = '';

  /** Headers of a signed answer or notification (`key` is the platform's unless a test forges one). */
  const signed = (body: string, key: KeyObject = platform.keys.privateKey): Record<string, string> => {
    const ts = String(Math.floor(now().getTime() / 1000));
    const n = nonce();
    return {
      'wechatpay-timestamp': ts,
      'wechatpay-nonce': n,
      'wechatpay-signature': rsaSign(key, signingMessage(ts, n, body)),
      'wechatpay-serial': platform.publicKeyId,
      'wechatpay-signature-type': SCHEME,
      'request-id': randomUUID(),
    };
  };
  const answer = (res: ServerResponse, status: number, value?: unknown) => {
    const body = value === undefined ? '' : JSON.stringify(value);
    res.writeHead(status, { 'content-type': 'application/json', ...signed(body) }).end(body);
  };
  const error = (res: ServerResponse, status: number, code: string, message: string) =>
    answer(res, status, { code, message });

  const transactionView = (t: FakeTransaction, tamperAmount = false) => ({
    appid: t.appid,
    mchid: t.mchid,
    out_trade_no: t.out_trade_no,
    ...(t.transaction_id ? { transaction_id: t.transaction_id } : {}),
    trade_type: t.trade_type,
    trade_state: t.trade_state,
    trade_state_desc: t.trade_state,
    bank_type: 'OTHERS',
    attach: t.attach,
    ...(t.success_time ? { success_time: t.success_time } : {}),
    payer: { openid: t.openid },
    amount: {
      total: t.amount.total + (tamperAmount ? 1 : 0),
      ...(t.trade_state === 'SUCCESS' || t.trade_state === 'REFUND' ? { payer_total: t.amount.total } : {}),
      currency: t.amount.currency,
      payer_currency: t.amount.currency,
    },
  });

  const notification = (
    kind: 'transaction' | 'refund',
    ref: string,
    target: string,
    plain: unknown,
    eventType: string,
    tamper?: CallbackPlan['tamper'],
  ): Outgoing => {
    const body = JSON.stringify({
      id: randomUUID(),
      create_time: toRfc3339Beijing(now()),
      resource_type: 'encrypt-resource',
      event_type: eventType,
      summary: eventType === 'TRANSACTION.SUCCESS' ? '支付成功' : '退款成功',
      resource: encryptResource(apiV3Key, JSON.stringify(plain), kind, kind),
    });
    const headers = signed(body, tamper === 'foreign-key' ? rsaPair().privateKey : undefined);
    if (tamper === 'signature') {
      const s = headers['wechatpay-signature']!;
      headers['wechatpay-signature'] = (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
    }
    return { kind, ref, url: target, headers: { ...headers, 'content-type': 'application/json' }, body };
  };

  const markPaid = (t: FakeTransaction) => {
    const at = now();
    t.trade_state = 'SUCCESS';
    t.transaction_id = `42000${digits(23)}`;
    t.success_time = toRfc3339Beijing(at);
    t.paidAt = at;
  };

  const pay = async (outTradeNo: string, plan: CallbackPlan = {}) => {
    const t = transactions.get(outTradeNo);
    if (!t) throw new Error(`no transaction ${outTradeNo}`);
    if (t.trade_state !== 'NOTPAY' && t.trade_state !== 'PAYERROR')
      throw new Error(`transaction ${outTradeNo} is ${t.trade_state}`);
    if (Date.parse(t.time_expire) <= now().getTime()) throw new Error(`transaction ${outTradeNo} expired`);
    markPaid(t);
    return notifier.dispatch(
      () =>
        notification(
          'transaction',
          outTradeNo,
          t.notify_url,
          transactionView(t, plan.tamper === 'amount'),
          'TRANSACTION.SUCCESS',
          plan.tamper,
        ),
      plan,
    );
  };

  const settleRefund = (r: FakeRefund) => {
    const t = transactions.get(r.out_trade_no)!;
    if (fake.refundOutcome === 'ABNORMAL' && !r.abnormalTo) r.status = 'ABNORMAL';
    else {
      r.status = 'SUCCESS';
      r.settledAt = now();
      r.success_time = toRfc3339Beijing(r.settledAt);
      t.trade_state = 'REFUND';
    }
    if (!r.notify_url) return;
    const plain = {
      mchid: t.mchid,
      out_trade_no: r.out_trade_no,
      transaction_id: t.transaction_id,
      out_refund_no: r.out_refund_no,
      refund_id: r.refund_id,
      refund_status: r.status,
      ...(r.success_time ? { success_time: r.success_time } : {}),
      user_received_account: receivedBy(r),
      amount: {
        total: r.amount.total,
        refund: r.amount.refund,
        payer_total: r.amount.total,
        payer_refund: r.amount.refund,
      },
    };
    void notifier.dispatch(
      () => notification('refund', r.out_refund_no, r.notify_url!, plain, `REFUND.${r.status}`),
      fake.refundPlan,
    );
  };

  /** 退款入账账户, as WeChat words it: the payer's balance, or where an abnormal refund was sent */
  const receivedBy = (r: FakeRefund) =>
    r.abnormalTo === 'MERCHANT_BANK_CARD'
      ? '商户结算银行账户'
      : r.abnormalTo === 'USER_BANK_CARD'
        ? '招商银行借记卡0403'
        : '支付用户零钱';
  const refundView = (r: FakeRefund) => {
    const t = transactions.get(r.out_trade_no)!;
    return {
      refund_id: r.refund_id,
      out_refund_no: r.out_refund_no,
      transaction_id: t.transaction_id,
      out_trade_no: r.out_trade_no,
      channel: r.abnormalTo === 'USER_BANK_CARD' ? 'OTHER_BANKCARD' : 'ORIGINAL',
      user_received_account: receivedBy(r),
      ...(r.success_time ? { success_time: r.success_time } : {}),
      create_time: r.create_time,
      status: r.status,
      funds_account: 'AVAILABLE',
      amount: {
        total: r.amount.total,
        refund: r.amount.refund,
        payer_total: r.amount.total,
        payer_refund: r.amount.refund,
        settlement_refund: r.amount.refund,
        settlement_total: r.amount.total,
        discount_refund: 0,
        currency: 'CNY',
      },
    };
  };

  // an injected payment keeps its transaction id: the bill is rendered twice (hash, download)
  const extraIds = new Map<string, string>();
  const extraId = (no: string) => {
    if (!extraIds.has(no)) extraIds.set(no, `42000${digits(23)}`);
    return extraIds.get(no)!;
  };
  const tradeBill = (date: string) => {
    const { start, end } = beijingDayBounds(date);
    const on = (at?: Date) => !!at && at >= start && at < end;
    const h = fake.statement;
    const rows: BillRow[] = [];
    for (const t of transactions.values()) {
      if (!on(t.paidAt) || h.drop.has(t.out_trade_no)) continue;
      const total = h.amounts.get(t.out_trade_no) ?? t.amount.total;
      rows.push({
        at: t.paidAt!,
        appid: t.appid,
        mchid: t.mchid,
        transactionId: t.transaction_id!,
        outTradeNo: t.out_trade_no,
        openid: t.openid,
        tradeType: t.trade_type,
        state: 'SUCCESS',
        orderTotal: total,
        settled: total,
        refundId: '',
        outRefundNo: '',
        refund: 0,
        fee: feeOf(total, h.feeRate),
        description: t.description,
        attach: t.attach,
      });
    }
    for (const x of h.extraPayments) {
      const at = x.at ?? new Date(start.getTime() + 3600_000);
      rows.push({
        at,
        appid: merchant.appid,
        mchid: merchant.mchid,
        transactionId: extraId(x.outTradeNo),
        outTradeNo: x.outTradeNo,
        openid: 'oFakeUnknownPayer',
        tradeType: 'NATIVE',
        state: 'SUCCESS',
        orderTotal: x.amount,
        settled: x.amount,
        refundId: '',
        outRefundNo: '',
        refund: 0,
        fee: feeOf(x.amount, h.feeRate),
        description: 'unknown',
        attach: '',
      });
    }
    for (const r of refunds.values()) {
      if (r.status !== 'SUCCESS' || !on(r.settledAt) || h.drop.has(r.out_refund_no)) continue;
      const t = transactions.get(r.out_trade_no)!;
      const refund = h.refundAmounts.get(r.out_refund_no) ?? r.amount.refund;
      rows.push({
        at: r.settledAt!,
        appid: t.appid,
        mchid: t.mchid,
        transactionId: t.transaction_id!,
        outTradeNo: t.out_trade_no,
        openid: t.openid,
        tradeType: t.trade_type,
        state: 'REFUND',
        orderTotal: t.amount.total,
        settled: 0,
        refundId: r.refund_id,
        outRefundNo: r.out_refund_no,
        refund,
        fee: -feeOf(refund, h.feeRate),
        description: t.description,
        attach: t.attach,
      });
    }
    rows.sort((a, b) => a.at.getTime() - b.at.getTime());
    return formatTradeBill(rows, h.feeRate);
  };

  /** Verifies the merchant's Authorization exactly as WeChat Pay does; null when it passes. */
  const refuseAuth = (req: FakeRequest): string | null => {
    const a = parseAuthorization(req.headers.authorization);
    if (!a) return 'Authorization 头缺失或格式错误';
    if (a.mchid !== merchant.mchid) return '商户号不存在';
    if (a.serial_no.toUpperCase() !== merchant.serial) return '商户证书序列号有误';
    if (!/^\d+$/.test(a.timestamp) || Math.abs(now().getTime() / 1000 - Number(a.timestamp)) > 300)
      return '请求时间戳与当前时间相差过大';
    const message = signingMessage(
      req.method,
      req.rawPath,
      a.timestamp,
      a.nonce_str,
      req.body.toString('utf8'),
    );
    return rsaVerify(merchant.keys.publicKey, message, a.signature) ? null : '签名错误，请检查后再试';
  };

  const handler = async (req: FakeRequest, res: ServerResponse) => {
    const path = req.url.pathname;
    if (path.startsWith('/pay/') || path === '/h5pay') return payPages(req, res);
    if (!path.startsWith('/v3/')) return error(res, 404, 'NOT_FOUND', 'no such API');
    const refusal = refuseAuth(req);
    if (refusal) {
      res
        .writeHead(401, { 'content-type': 'application/json' })
        .end(JSON.stringify({ code: 'SIGN_ERROR', message: refusal }));
      return;
    }
    let body: Record<string, unknown> = {};
    if (req.body.length) {
      try {
        body = JSON.parse(req.body.toString('utf8')) as Record<string, unknown>;
      } catch {
        return error(res, 400, 'PARAM_ERROR', '请求体不是合法的JSON');
      }
    }
    const m = /^\/v3\/pay\/transactions\/(native|jsapi|h5)$/.exec(path);
    if (m && req.method === 'POST') return createOrder(m[1] as 'native' | 'jsapi' | 'h5', body, res);
    const q = /^\/v3\/pay\/transactions\/out-trade-no\/([^/]+)(\/close)?$/.exec(path);
    if (q && !q[2] && req.method === 'GET') {
      const t = transactions.get(decodeURIComponent(q[1]!));
      if (!t || req.url.searchParams.get('mchid') !== merchant.mchid)
        return error(res, 404, 'ORDER_NOT_EXIST', '订单不存在');
      return answer(res, 200, transactionView(t));
    }
    if (q && q[2] && req.method === 'POST') {
      const t = transactions.get(decodeURIComponent(q[1]!));
      if (t?.trade_state === 'SUCCESS' || t?.trade_state === 'REFUND')
        return error(res, 400, 'ORDERPAID', '订单已支付');
      if (t && t.trade_state === 'NOTPAY') t.trade_state = 'CLOSED';
      return answer(res, 204); // WeChat answers 204 for an unknown out_trade_no too
    }
    if (path === '/v3/refund/domestic/refunds' && req.method === 'POST') return createRefund(body, res);
    const rq = /^\/v3\/refund\/domestic\/refunds\/([^/]+)$/.exec(path);
    if (rq && req.method === 'GET') {
      const r = refunds.get(decodeURIComponent(rq[1]!));
      return r ? answer(res, 200, refundView(r)) : error(res, 404, 'RESOURCE_NOT_EXISTS', '退款单不存在');
    }
    const ab = /^\/v3\/refund\/domestic\/refunds\/([^/]+)\/apply-abnormal-refund$/.exec(path);
    if (ab && req.method === 'POST') return applyAbnormal(decodeURIComponent(ab[1]!), body, res);
    if (path === '/v3/bill/tradebill' && req.method === 'GET') {
      const date = req.url.searchParams.get('bill_date') ?? '';
      if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return error(res, 400, 'PARAM_ERROR', 'bill_date 格式错误');
      if (date > beijingDate(now())) return error(res, 400, 'NO_STATEMENT_EXIST', '账单文件不存在');
      const token = randomUUID();
      billTokens.set(token, { date, expires: now().getTime() + 300_000 });
      return answer(res, 200, {
        hash_type: 'SHA1',
        hash_value: sha1(tradeBill(date)),
        download_url: `${url}/v3/billdownload/file?token=${token}`,
      });
    }
    if (path === '/v3/billdownload/file' && req.method === 'GET') {
      const t = billTokens.get(req.url.searchParams.get('token') ?? '');
      if (!t || t.expires < now().getTime()) return error(res, 400, 'PARAM_ERROR', '下载地址已过期');
      // The file stream is not signed: the tradebill answer's hash covers it.
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(tradeBill(t.date));
      return;
    }
    error(res, 404, 'NOT_FOUND', 'no such API');
  };

  const createOrder = (scene: 'native' | 'jsapi' | 'h5', b: Record<string, unknown>, res: ServerResponse) => {
    const amount = b.amount as { total?: unknown; currency?: unknown } | undefined;
    const payer = b.payer as { openid?: unknown } | undefined;
    const sceneInfo = b.scene_info as { payer_client_ip?: unknown } | undefined;
    if (b.mchid !== merchant.mchid || b.appid !== merchant.appid)
      return error(res, 400, 'APPID_MCHID_NOT_MATCH', 'appid和mch_id不匹配');
    if (typeof b.out_trade_no !== 'string' || !/^[0-9A-Za-z_\-|*]{6,32}$/.test(b.out_trade_no))
      return error(res, 400, 'PARAM_ERROR', 'out_trade_no 格式错误');
    if (
      typeof b.description !== 'string' ||
      typeof b.notify_url !== 'string' ||
      typeof b.time_expire !== 'string'
    )
      return error(res, 400, 'PARAM_ERROR', '缺少参数');
    if (!Number.isInteger(amount?.total) || (amount!.total as number) < 1 || amount?.currency !== 'CNY')
      return error(res, 400, 'PARAM_ERROR', 'amount 无效');
    if (scene === 'jsapi' && typeof payer?.openid !== 'string')
      return error(res, 400, 'PARAM_ERROR', '缺少 payer.openid');
    if (scene === 'h5' && typeof sceneInfo?.payer_client_ip !== 'string')
      return error(res, 400, 'PARAM_ERROR', '缺少 scene_info');
    const existing = transactions.get(b.out_trade_no);
    if (existing && (existing.trade_state === 'SUCCESS' || existing.trade_state === 'REFUND'))
      return error(res, 400, 'ORDERPAID', '订单已支付');
    if (existing && existing.amount.total !== amount.total)
      return error(res, 400, 'INVALID_REQUEST', '201 商户订单号重复');
    const t: FakeTransaction = existing ?? {
      appid: merchant.appid,
      mchid: merchant.mchid,
      out_trade_no: b.out_trade_no,
      description: b.description,
      notify_url: b.notify_url,
      time_expire: b.time_expire,
      amount: { total: amount.total as number, currency: 'CNY' },
      trade_type: scene === 'native' ? 'NATIVE' : scene === 'jsapi' ? 'JSAPI' : 'MWEB',
      trade_state: 'NOTPAY',
      prepay_id: `wx${digits(26)}`,
      openid: typeof payer?.openid === 'string' ? payer.openid : `oFake${digits(8)}`,
      attach: typeof b.attach === 'string' ? b.attach : '',
    };
    transactions.set(t.out_trade_no, t);
    if (scene === 'native') return answer(res, 200, { code_url: `${url}/pay/${t.out_trade_no}` });
    if (scene === 'h5')
      return answer(res, 200, { h5_url: `${url}/h5pay?prepay_id=${t.prepay_id}&package=${digits(10)}` });
    return answer(res, 200, { prepay_id: t.prepay_id });
  };

  const createRefund = (b: Record<string, unknown>, res: ServerResponse) => {
    const amount = b.amount as { refund?: unknown; total?: unknown; currency?: unknown } | undefined;
    const outRefundNo = b.out_refund_no;
    if (typeof outRefundNo !== 'string' || !/^[0-9A-Za-z_\-|*@]{1,64}$/.test(outRefundNo))
      return error(res, 400, 'PARAM_ERROR', 'out_refund_no 格式错误');
    const t = typeof b.out_trade_no === 'string' ? transactions.get(b.out_trade_no) : undefined;
    if (!t) return error(res, 404, 'RESOURCE_NOT_EXISTS', '订单不存在');
    const prior = refunds.get(outRefundNo);
    if (prior) {
      if (prior.amount.refund !== amount?.refund)
        return error(res, 400, 'INVALID_REQUEST', '退款单号已被使用，但退款金额不同');
      return answer(res, 200, refundView(prior)); // the same refund again: idempotent
    }
    if (refundFailures.times > 0) {
      refundFailures.times--;
      const status =
        refundFailures.code === 'NOT_ENOUGH' ? 403 : refundFailures.code === 'SYSTEM_ERROR' ? 500 : 400;
      return error(res, status, refundFailures.code, '退款失败（fake）');
    }
    if (t.trade_state !== 'SUCCESS' && t.trade_state !== 'REFUND')
      return error(res, 400, 'INVALID_REQUEST', '订单未支付');
    if (amount?.total !== t.amount.total) return error(res, 400, 'PARAM_ERROR', '订单金额与原订单不一致');
    const refunded = [...refunds.values()]
      .filter((r) => r.out_trade_no === t.out_trade_no && r.status !== 'ABNORMAL' && r.status !== 'CLOSED')
      .reduce((s, r) => s + r.amount.refund, 0);
    if (
      !Number.isInteger(amount?.refund) ||
      (amount.refund as number) < 1 ||
      refunded + (amount.refund as number) > t.amount.total
    )
      return error(res, 400, 'INVALID_REQUEST', '申请退款金额超过订单可退金额');
    const r: FakeRefund = {
      out_refund_no: outRefundNo,
      out_trade_no: t.out_trade_no,
      refund_id: `50000${digits(25)}`,
      status: 'PROCESSING',
      amount: { total: t.amount.total, refund: amount.refund as number },
      create_time: toRfc3339Beijing(now()),
      notify_url: typeof b.notify_url === 'string' ? b.notify_url : undefined,
    };
    refunds.set(outRefundNo, r);
    setTimeout(() => settleRefund(r), fake.refundSettleMs);
    return answer(res, 200, refundView(r));
  };

  /**
   * 发起异常退款: only for an ABNORMAL refund, named by WeChat's refund_id with our
   * out_refund_no in the body; USER_BANK_CARD needs the payer's bank, card and name
   * (encrypted, as documented), MERCHANT_BANK_CARD nothing more. The refund goes back to
   * PROCESSING and then SUCCESS (notified), whatever `refundOutcome` says.
   */
  const applyAbnormal = (refundId: string, b: Record<string, unknown>, res: ServerResponse) => {
    const r = [...refunds.values()].find((x) => x.refund_id === refundId);
    if (!r) return error(res, 404, 'RESOURCE_NOT_EXISTS', '退款单不存在');
    if (b.out_refund_no !== r.out_refund_no)
      return error(res, 400, 'PARAM_ERROR', 'out_refund_no 与退款单不匹配');
    if (b.type !== 'USER_BANK_CARD' && b.type !== 'MERCHANT_BANK_CARD')
      return error(res, 400, 'PARAM_ERROR', 'type 无效');
    if (b.type === 'USER_BANK_CARD' && !(b.bank_type && b.bank_account && b.real_name))
      return error(res, 400, 'PARAM_ERROR', '退款至用户银行卡时 bank_type、bank_account、real_name 必填');
    if (r.status !== 'ABNORMAL') return error(res, 400, 'INVALID_REQUEST', '退款单状态不是退款异常');
    if (abnormalFailures.times > 0) {
      abnormalFailures.times--;
      const code = abnormalFailures.code;
      return error(res, code === 'SYSTEM_ERROR' ? 500 : 400, code, '异常退款处理失败（fake）');
    }
    fake.abnormalApplications.push({ refundId, type: b.type });
    r.abnormalTo = b.type;
    r.status = 'PROCESSING';
    setTimeout(() => settleRefund(r), fake.refundSettleMs);
    return answer(res, 200, refundView(r));
  };

  const payPages = async (req: FakeRequest, res: ServerResponse) => {
    const back = req.url.searchParams.get('return') ?? req.url.searchParams.get('redirect_url');
    let no = /^\/pay\/([^/]+)/.exec(req.url.pathname)?.[1];
    if (req.url.pathname === '/h5pay')
      no = [...transactions.values()].find(
        (t) => t.prepay_id === req.url.searchParams.get('prepay_id'),
      )?.out_trade_no;
    const t = no ? transactions.get(decodeURIComponent(no)) : undefined;
    if (!t) return html(res, 404, '<p>no such payment</p>');
    const action = /\/(complete|refuse)$/.exec(req.url.pathname)?.[1];
    if (req.method === 'GET' && !action)
      return html(
        res,
        200,
        payPage({
          provider: 'WeChat Pay',
          title: t.description,
          amountFen: t.amount.total,
          action: `/pay/${t.out_trade_no}`,
          back: back ?? '',
        }),
      );
    if (req.method === 'POST' && action === 'complete') {
      try {
        await pay(t.out_trade_no);
      } catch (e) {
        return html(res, 409, `<p>${(e as Error).message}</p>`);
      }
      return afterPayPage(res, back, { paid: true });
    }
    if (req.method === 'POST' && action === 'refuse') {
      fake.refuse(t.out_trade_no);
      return afterPayPage(res, back, { paid: false });
    }
    html(res, 405, '<p>method not allowed</p>');
  };

  const { server, url: base } = await listen(handler, opts.port);
  url = base;
  const fake: WechatPayFake = {
    url,
    merchant,
    platform,
    apiV3Key,
    env: () => ({
      SCENIC_WECHAT_MCHID: merchant.mchid,
      SCENIC_WECHAT_APPID: merchant.appid,
      SCENIC_WECHAT_MERCHANT_SERIAL: merchant.serial,
      SCENIC_WECHAT_MERCHANT_PRIVATE_KEY: merchant.keys.privateKeyPem,
      SCENIC_WECHAT_APIV3_KEY: apiV3Key,
      SCENIC_WECHAT_PLATFORM_PUBLIC_KEY: platform.keys.publicKeyPem,
      SCENIC_WECHAT_PLATFORM_PUBLIC_KEY_ID: platform.publicKeyId,
      SCENIC_WECHAT_BASE_URL: url,
    }),
    transactions,
    refunds,
    notifier,
    deliveries: notifier.deliveries,
    statement: newStatementHooks(),
    pay,
    refuse: (outTradeNo) => {
      const t = transactions.get(outTradeNo);
      if (!t) throw new Error(`no transaction ${outTradeNo}`);
      if (t.trade_state === 'NOTPAY') t.trade_state = 'PAYERROR';
    },
    payJsapi: (p, plan) => {
      const t = [...transactions.values()].find((x) => `prepay_id=${x.prepay_id}` === p.package);
      if (!t || p.appId !== t.appid) return Promise.reject(new Error('unknown prepay_id or appId'));
      const ok = rsaVerify(
        merchant.keys.publicKey,
        signingMessage(p.appId, p.timeStamp, p.nonceStr, p.package),
        p.paySign,
      );
      if (!ok) return Promise.reject(new Error('支付验证签名失败'));
      return pay(t.out_trade_no, plan);
    },
    failRefunds: (times, code = 'NOT_ENOUGH') => {
      refundFailures = { times, code };
    },
    refundOutcome: 'SUCCESS',
    failAbnormalApplications: (times, code = 'INVALID_REQUEST') => {
      abnormalFailures = { times, code };
    },
    abnormalApplications: [],
    refundSettleMs: 20,
    refundPlan: {},
    tradeBill,
    close: () => closeServer(server),
  };
  return fake;
}
