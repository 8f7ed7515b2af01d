import { createSign, createVerify, randomUUID, type KeyObject } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { beijingDate, beijingDayBounds, toBeijingDateTime } from '../core/payments/china-time.js';
import { fenToYuan, yuanToFen } from '../core/payments/money.js';
import { billZip, type AlipayBillRow } from './alipay-bill.js';
import { afterPayPage, closeServer, html, listen, payPage, type FakeRequest } from './kit/http.js';
import { digits, rsaPair, type RsaPair } from './kit/keys.js';
import { Notifier, type CallbackPlan, type Delivery, type Outgoing } from './kit/notifier.js';
import { feeOf, newStatementHooks, type StatementHooks } from './kit/statement.js';

/**
 * A local Alipay open platform (gateway.do) for tests and the demo, faithful to the
 * protocol: it makes its own Alipay key pair at start, verifies every request's RSA2
 * signature (all parameters but `sign`, sorted, k=v&…) against the application's public
 * key and answers a bad one with 40002 isv.invalid-signature, signs every answer over the
 * raw `<method>_response` JSON, posts signed async notifications (all parameters but
 * `sign`/`sign_type`) and serves the trade bill as a zip of GBK CSV files. A trade exists
 * only once the buyer scans or opens the payment, as at Alipay. Steering: `AlipayFake`.
 */
export interface FakeTrade {
  out_trade_no: string;
  trade_no: string;
  subject: string;
  total: number;
  notify_url: string;
  time_expire: string | null;
  product_code: string;
  status: 'WAIT_BUYER_PAY' | 'TRADE_SUCCESS' | 'TRADE_CLOSED' | 'TRADE_FINISHED';
  /** false until the buyer scans the QR / opens the page: until then Alipay knows no trade */
  exists: boolean;
  createdAt: Date;
  paidAt?: Date;
}

export interface FakeAlipayRefund {
  out_request_no: string;
  out_trade_no: string;
  amount: number;
  at: Date;
}

export interface AlipayFake {
  url: string;
  gatewayUrl: string;
  app: { appId: string; sellerId: string; keys: RsaPair };
  alipay: { keys: RsaPair };
  /** SCENIC_ALIPAY_* variables for the adapter (loadPaymentProviders) */
  env(): Record<string, string>;
  trades: Map<string, FakeTrade>;
  refunds: Map<string, FakeAlipayRefund>;
  notifier: Notifier;
  deliveries: Delivery[];
  statement: StatementHooks;
  /** the buyer scans / opens the payment: the trade exists, WAIT_BUYER_PAY */
  scan(outTradeNo: string): void;
  /** the buyer pays: TRADE_SUCCESS, then the notification per `plan` */
  pay(outTradeNo: string, plan?: CallbackPlan): Promise<Delivery[]>;
  /** the buyer gives up and the trade closes (TRADE_CLOSED, notified) */
  refuse(outTradeNo: string, plan?: CallbackPlan): Promise<Delivery[]>;
  /** sends a notification with any trade status for a trade (a stale WAIT_BUYER_PAY after TRADE_SUCCESS…) */
  notify(outTradeNo: string, status: FakeTrade['status'], plan?: CallbackPlan): Promise<Delivery[]>;
  /** the next `times` refunds are refused with `subCode` */
  failRefunds(
    times: number,
    subCode?: 'ACQ.SELLER_BALANCE_NOT_ENOUGH' | 'ACQ.SYSTEM_ERROR' | 'ACQ.TRADE_HAS_FINISHED',
  ): void;
  /** plan for the refund notifications Alipay sends to the payment's notify_url */
  refundPlan: CallbackPlan;
  /** the bill zip for a Beijing date, as the download URL serves it */
  billZip(date: string): Buffer;
  close(): Promise<void>;
}

/** A biz_content field as text ('' when absent or not a string). */
const str = (v: unknown) => (typeof v === 'string' ? v : '');
const sign = (key: KeyObject, text: string) =>
  createSign('RSA-SHA256').update(text, 'utf8').sign(key, 'base64');
const verify = (key: KeyObject, text: string, sig: string) => {
  try {
    return createVerify('RSA-SHA256').update(text, 'utf8').verify(key, sig, 'base64');
  } catch {
    return false;
  }
};
/** The string Alipay signs: sorted k=v pairs joined by &, empty values left out. */
const signingString = (params: Record<string, string>, skip: string[]) =>
  Object.keys(params)
    .filter((k) => !skip.includes(k) && params[k] !== '')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');

export async function startAlipayFake(opts: { port?: number; now?: () => Date } = {}): Promise<AlipayFake> {
  const now = opts.now ?? (() => new Date());
  const app = { appId: `2021${digits(12)}`, sellerId: `2088${digits(12)}`, keys: rsaPair() };
  const alipay = { keys: rsaPair() };
  const trades = new Map<string, FakeTrade>();
  const refunds = new Map<string, FakeAlipayRefund>();
  const billTokens = new Map<string, { date: string; expires: number }>();
  const notifier = new Notifier((status, body) => status === 200 && body.trim() === 'success');
  let refundFailures = { times: 0, subCode: 'ACQ.SELLER_BALANCE_NOT_ENOUGH' };
  let url = '';

  /** `{"<method>_response":{…},"sign":"…"}` with the signature over the inner JSON's exact text. */
  const answer = (res: ServerResponse, method: string, body: Record<string, unknown>) => {
    const inner = JSON.stringify(body);
    const text = `{"${method.replaceAll('.', '_')}_response":${inner},"sign":"${sign(alipay.keys.privateKey, inner)}"}`;
    res.writeHead(200, { 'content-type': 'application/json;charset=utf-8' }).end(text);
  };
  const ok = (extra: Record<string, unknown>) => ({ code: '10000', msg: 'Success', ...extra });
  const fail = (code: string, msg: string, subCode: string, subMsg: string) => ({
    code,
    msg,
    sub_code: subCode,
    sub_msg: subMsg,
  });
  const notExist = fail('40004', 'Business Failed', 'ACQ.TRADE_NOT_EXIST', '交易不存在');

  const notification = (
    t: FakeTrade,
    status: FakeTrade['status'],
    plan: CallbackPlan,
    refund?: FakeAlipayRefund,
  ): Outgoing => {
    const refunded = [...refunds.values()]
      .filter((r) => r.out_trade_no === t.out_trade_no)
      .reduce((s, r) => s + r.amount, 0);
    const params: Record<string, string> = {
      notify_time: toBeijingDateTime(now()),
      notify_type: 'trade_status_sync',
      notify_id: randomUUID().replaceAll('-', ''),
      charset: 'utf-8',
      version: '1.0',
      sign_type: 'RSA2',
      app_id: app.appId,
      auth_app_id: app.appId,
      trade_no: t.trade_no,
      out_trade_no: t.out_trade_no,
      buyer_id: '2088102122524333',
      buyer_logon_id: '159****5620',
      seller_id: app.sellerId,
      trade_status: status,
      total_amount: fenToYuan(t.total + (plan.tamper === 'amount' ? 1 : 0)),
      receipt_amount: fenToYuan(t.total),
      buyer_pay_amount: fenToYuan(t.total),
      subject: t.subject,
      gmt_create: toBeijingDateTime(t.createdAt),
      ...(t.paidAt ? { gmt_payment: toBeijingDateTime(t.paidAt) } : {}),
      ...(refund
        ? {
            out_biz_no: refund.out_request_no,
            refund_fee: fenToYuan(refunded),
            gmt_refund: `${toBeijingDateTime(refund.at)}.000`,
          }
        : {}),
    };
    const key = plan.tamper === 'foreign-key' ? rsaPair().privateKey : alipay.keys.privateKey;
    let s = sign(key, signingString(params, ['sign', 'sign_type']));
    if (plan.tamper === 'signature') s = (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
    const body = new URLSearchParams({ ...params, sign: s }).toString();
    return {
      kind: refund ? 'refund' : 'trade',
      ref: refund?.out_request_no ?? t.out_trade_no,
      url: t.notify_url,
      headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' },
      body,
    };
  };

  const tradeOf = (outTradeNo: string) => {
    const t = trades.get(outTradeNo);
    if (!t) throw new Error(`no trade ${outTradeNo}`);
    return t;
  };
  const expired = (t: FakeTrade) =>
    !!t.time_expire && new Date(`${t.time_expire.replace(' ', 'T')}+08:00`).getTime() <= now().getTime();

  const pay = async (outTradeNo: string, plan: CallbackPlan = {}) => {
    const t = tradeOf(outTradeNo);
    if (t.status !== 'WAIT_BUYER_PAY') throw new Error(`trade ${outTradeNo} is ${t.status}`);
    if (expired(t)) throw new Error(`trade ${outTradeNo} expired`);
    t.exists = true;
    t.status = 'TRADE_SUCCESS';
    t.paidAt = now();
    return await notifier.dispatch(() => notification(t, 'TRADE_SUCCESS', plan), plan);
  };

  const billRows = (date: string): AlipayBillRow[] => {
    const { start, end } = beijingDayBounds(date);
    const on = (at?: Date) => !!at && at >= start && at < end;
    const h = fake.statement;
    const rows: AlipayBillRow[] = [];
    for (const t of trades.values()) {
      if (!on(t.paidAt) || h.drop.has(t.out_trade_no)) continue;
      const amount = h.amounts.get(t.out_trade_no) ?? t.total;
      rows.push({
        tradeNo: t.trade_no,
        outTradeNo: t.out_trade_no,
        type: '交易',
        subject: t.subject,
        createdAt: t.createdAt,
        finishedAt: t.paidAt!,
        amount,
        serviceFee: -feeOf(amount, h.feeRate),
        outRequestNo: '',
      });
    }
    for (const x of h.extraPayments) {
      const at = x.at ?? new Date(start.getTime() + 3600_000);
      rows.push({
        tradeNo: `${date.replaceAll('-', '')}22001${digits(23)}`,
        outTradeNo: x.outTradeNo,
        type: '交易',
        subject: 'unknown',
        createdAt: at,
        finishedAt: at,
        amount: x.amount,
        serviceFee: -feeOf(x.amount, h.feeRate),
        outRequestNo: '',
      });
    }
    for (const r of refunds.values()) {
      if (!on(r.at) || h.drop.has(r.out_request_no)) continue;
      const t = trades.get(r.out_trade_no)!;
      const amount = h.refundAmounts.get(r.out_request_no) ?? r.amount;
      rows.push({
        tradeNo: t.trade_no,
        outTradeNo: t.out_trade_no,
        type: '退款',
        subject: t.subject,
        createdAt: t.createdAt,
        finishedAt: r.at,
        amount: -amount,
        serviceFee: feeOf(amount, h.feeRate),
        outRequestNo: r.out_request_no,
      });
    }
    return rows.sort((a, b) => a.finishedAt.getTime() - b.finishedAt.getTime());
  };

  /** Runs one verified gateway call; returns the answer body. */
  const dispatchMethod = (
    method: string,
    p: Record<string, string>,
    biz: Record<string, unknown>,
  ): Record<string, unknown> => {
    const no = typeof biz.out_trade_no === 'string' ? biz.out_trade_no : '';
    const t = trades.get(no);
    switch (method) {
      case 'alipay.trade.precreate': {
        const total = yuanToFen(str(biz.total_amount));
        if (!no || !total || total < 1 || typeof biz.subject !== 'string')
          return fail('40002', 'Invalid Arguments', 'isv.missing-required-arguments', '缺少必选参数');
        if (t && t.status !== 'WAIT_BUYER_PAY')
          return fail('40004', 'Business Failed', 'ACQ.TRADE_HAS_SUCCESS', '交易已被支付');
        createTrade(no, total, biz, p.notify_url ?? '');
        return ok({ out_trade_no: no, qr_code: `${url}/qr/${no}` });
      }
      case 'alipay.trade.query':
        if (!t?.exists) return notExist;
        return ok({
          trade_no: t.trade_no,
          out_trade_no: no,
          buyer_logon_id: '159****5620',
          trade_status: t.status,
          total_amount: fenToYuan(t.total),
          buyer_pay_amount: t.paidAt ? fenToYuan(t.total) : '0.00',
          ...(t.paidAt ? { send_pay_date: toBeijingDateTime(t.paidAt) } : {}),
          buyer_user_id: '2088102122524333',
        });
      case 'alipay.trade.close':
        if (!t?.exists) return notExist;
        if (t.status !== 'WAIT_BUYER_PAY')
          return fail('40004', 'Business Failed', 'ACQ.TRADE_STATUS_ERROR', '交易状态不合法');
        t.status = 'TRADE_CLOSED';
        return ok({ trade_no: t.trade_no, out_trade_no: no });
      case 'alipay.trade.refund':
        return refund(t, biz);
      case 'alipay.trade.fastpay.refund.query': {
        const r = refunds.get(str(biz.out_request_no));
        if (!t?.exists) return notExist;
        if (!r || r.out_trade_no !== no) return ok({ out_trade_no: no, trade_no: t.trade_no });
        return ok({
          trade_no: t.trade_no,
          out_trade_no: no,
          out_request_no: r.out_request_no,
          total_amount: fenToYuan(t.total),
          refund_amount: fenToYuan(r.amount),
          refund_status: 'REFUND_SUCCESS',
          gmt_refund_pay: toBeijingDateTime(r.at),
        });
      }
      case 'alipay.data.dataservice.bill.downloadurl.query': {
        const date = str(biz.bill_date);
        if (biz.bill_type !== 'trade' || !/^\d{4}-\d{2}-\d{2}$/.test(date))
          return fail('40002', 'Invalid Arguments', 'isv.invalid-arguments', '参数无效');
        if (date > beijingDate(now()))
          return fail('40004', 'Business Failed', 'isp.bill_not_exist', '账单不存在');
        const token = randomUUID();
        billTokens.set(token, { date, expires: now().getTime() + 30_000 });
        return ok({
          bill_download_url: `${url}/downloadBillFile.resource?bizType=trade&fileType=csv.zip&bizDates=${date.replaceAll('-', '')}&token=${token}`,
        });
      }
      default:
        return fail('40004', 'Business Failed', 'isv.invalid-method', '不存在的方法名');
    }
  };

  const createTrade = (
    no: string,
    total: number,
    biz: Record<string, unknown>,
    notifyUrl: string,
  ): FakeTrade => {
    const existing = trades.get(no);
    if (existing) return existing;
    const t: FakeTrade = {
      out_trade_no: no,
      trade_no: `${beijingDate(now()).replaceAll('-', '')}22001${digits(23)}`,
      subject: str(biz.subject),
      total,
      notify_url: notifyUrl,
      time_expire: typeof biz.time_expire === 'string' ? biz.time_expire : null,
      product_code: str(biz.product_code),
      status: 'WAIT_BUYER_PAY',
      exists: false,
      createdAt: now(),
    };
    trades.set(no, t);
    return t;
  };

  const refund = (t: FakeTrade | undefined, biz: Record<string, unknown>): Record<string, unknown> => {
    const amount = yuanToFen(str(biz.refund_amount));
    const requestNo =
      typeof biz.out_request_no === 'string' && biz.out_request_no
        ? biz.out_request_no
        : (t?.out_trade_no ?? '');
    if (!t?.exists) return notExist;
    if (!amount || amount < 1)
      return fail('40002', 'Invalid Arguments', 'isv.invalid-arguments', 'refund_amount 无效');
    const refundedSoFar = () =>
      [...refunds.values()]
        .filter((r) => r.out_trade_no === t.out_trade_no)
        .reduce((s, r) => s + r.amount, 0);
    const prior = refunds.get(requestNo);
    const base = {
      trade_no: t.trade_no,
      out_trade_no: t.out_trade_no,
      buyer_logon_id: '159****5620',
      buyer_user_id: '2088102122524333',
    };
    if (prior) {
      if (prior.amount !== amount)
        return fail('40004', 'Business Failed', 'ACQ.DISCORDANT_REPEAT_REQUEST', '请求信息不一致');
      return ok({ ...base, fund_change: 'N', refund_fee: fenToYuan(refundedSoFar()) }); // a repeat: no money moves again
    }
    if (refundFailures.times > 0) {
      refundFailures.times--;
      const code = refundFailures.subCode === 'ACQ.SYSTEM_ERROR' ? '20000' : '40004';
      return fail(
        code,
        code === '20000' ? 'Service Currently Unavailable' : 'Business Failed',
        refundFailures.subCode,
        '退款失败（fake）',
      );
    }
    if (t.status !== 'TRADE_SUCCESS')
      return fail('40004', 'Business Failed', 'ACQ.TRADE_STATUS_ERROR', '交易状态不合法');
    if (refundedSoFar() + amount > t.total)
      return fail('40004', 'Business Failed', 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL', '退款金额超限');
    const r = { out_request_no: requestNo, out_trade_no: t.out_trade_no, amount, at: now() };
    refunds.set(requestNo, r);
    if (refundedSoFar() === t.total) t.status = 'TRADE_CLOSED';
    void notifier.dispatch(() => notification(t, t.status, fake.refundPlan, r), fake.refundPlan);
    return ok({
      ...base,
      fund_change: 'Y',
      refund_fee: fenToYuan(refundedSoFar()),
      gmt_refund_pay: toBeijingDateTime(r.at),
    });
  };

  /** gateway.do: the parameters in the query and the form body, RSA2-verified as Alipay does. */
  const gateway = (req: FakeRequest, res: ServerResponse) => {
    const p: Record<string, string> = Object.fromEntries(req.url.searchParams);
    if (req.method === 'POST') for (const [k, v] of new URLSearchParams(req.body.toString('utf8'))) p[k] = v;
    const method = p.method ?? '';
    let biz: Record<string, unknown> = {};
    try {
      biz = p.biz_content ? (JSON.parse(p.biz_content) as Record<string, unknown>) : {};
    } catch {
      return answer(
        res,
        method,
        fail('40002', 'Invalid Arguments', 'isv.invalid-biz-content', 'biz_content 不是合法的JSON'),
      );
    }
    const refusal =
      p.app_id !== app.appId
        ? 'isv.invalid-app-id'
        : p.sign_type !== 'RSA2'
          ? 'isv.invalid-signature-type'
          : (p.charset ?? '').toLowerCase() !== 'utf-8'
            ? 'isv.invalid-charset'
            : !/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(p.timestamp ?? '')
              ? 'isv.invalid-timestamp'
              : !p.sign || !verify(app.keys.publicKey, signingString(p, ['sign']), p.sign)
                ? 'isv.invalid-signature'
                : null;
    if (refusal) {
      const body = fail(
        '40002',
        'Invalid Arguments',
        refusal,
        refusal === 'isv.invalid-signature'
          ? `验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配，网关生成的验签字符串为：${signingString(p, ['sign'])}`
          : '参数无效',
      );
      if (req.method === 'GET') return html(res, 400, `<p>${refusal}</p>`);
      return answer(res, method, body);
    }
    if (req.method === 'GET' && (method === 'alipay.trade.wap.pay' || method === 'alipay.trade.page.pay')) {
      // the browser arrives with the signed page-pay parameters: the trade exists from now on
      const total = yuanToFen(str(biz.total_amount));
      const no = str(biz.out_trade_no);
      if (!total || !no) return html(res, 400, '<p>isv.missing-required-arguments</p>');
      const t = createTrade(no, total, biz, p.notify_url ?? '');
      t.exists = true;
      return html(
        res,
        200,
        payPage({
          provider: 'Alipay',
          title: t.subject,
          amountFen: t.total,
          action: `/pay/${no}`,
          back: p.return_url ?? '',
        }),
      );
    }
    answer(res, method, dispatchMethod(method, p, biz));
  };

  const payPages = async (req: FakeRequest, res: ServerResponse) => {
    const m = /^\/(?:pay|qr)\/([^/]+)(?:\/(complete|refuse))?$/.exec(req.url.pathname);
    const t = m ? trades.get(decodeURIComponent(m[1]!)) : undefined;
    if (!m || !t) return html(res, 404, '<p>no such payment</p>');
    const back = req.url.searchParams.get('return');
    t.exists = true; // scanned or opened
    if (req.method === 'GET' && !m[2])
      return html(
        res,
        200,
        payPage({
          provider: 'Alipay',
          title: t.subject,
          amountFen: t.total,
          action: `/pay/${t.out_trade_no}`,
          back: back ?? '',
        }),
      );
    try {
      if (req.method === 'POST' && m[2] === 'complete') await pay(t.out_trade_no);
      else if (req.method === 'POST' && m[2] === 'refuse') await fake.refuse(t.out_trade_no);
      else return html(res, 405, '<p>method not allowed</p>');
    } catch (e) {
      return html(res, 409, `<p>${(e as Error).message}</p>`);
    }
    afterPayPage(res, back, { paid: m[2] === 'complete' });
  };

  const handler = (req: FakeRequest, res: ServerResponse) => {
    const path = req.url.pathname;
    if (path === '/gateway.do') return gateway(req, res);
    if (path.startsWith('/pay/') || path.startsWith('/qr/')) return payPages(req, res);
    if (path === '/downloadBillFile.resource' && req.method === 'GET') {
      const b = billTokens.get(req.url.searchParams.get('token') ?? '');
      if (!b || b.expires < now().getTime()) return html(res, 403, '<p>链接已失效</p>');
      res
        .writeHead(200, { 'content-type': 'application/oct-stream', 'content-disposition': 'attachment' })
        .end(billZip(app.sellerId, b.date, billRows(b.date), now()));
      return;
    }
    html(res, 404, '<p>not found</p>');
  };

  const { server, url: base } = await listen(handler, opts.port);
  url = base;
  const fake: AlipayFake = {
    url,
    gatewayUrl: `${url}/gateway.do`,
    app,
    alipay,
    env: () => ({
      SCENIC_ALIPAY_APP_ID: app.appId,
      SCENIC_ALIPAY_SELLER_ID: app.sellerId,
      SCENIC_ALIPAY_APP_PRIVATE_KEY: app.keys.privateKeyPem,
      SCENIC_ALIPAY_PUBLIC_KEY: alipay.keys.publicKeyPem,
      SCENIC_ALIPAY_GATEWAY_URL: `${url}/gateway.do`,
    }),
    trades,
    refunds,
    notifier,
    deliveries: notifier.deliveries,
    statement: newStatementHooks(),
    scan: (no) => {
      tradeOf(no).exists = true;
    },
    pay,
    refuse: async (no, plan = {}) => {
      const t = tradeOf(no);
      if (t.status !== 'WAIT_BUYER_PAY') throw new Error(`trade ${no} is ${t.status}`);
      t.exists = true;
      t.status = 'TRADE_CLOSED';
      return await notifier.dispatch(() => notification(t, 'TRADE_CLOSED', plan), plan);
    },
    notify: (no, status, plan = {}) => {
      const t = tradeOf(no);
      return notifier.dispatch(() => notification(t, status, plan), plan);
    },
    failRefunds: (times, subCode = 'ACQ.SELLER_BALANCE_NOT_ENOUGH') => {
      refundFailures = { times, subCode };
    },
    refundPlan: {},
    billZip: (date) => billZip(app.sellerId, date, billRows(date), now()),
    close: () => closeServer(server),
  };
  return fake;
}
