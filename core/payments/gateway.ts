/**
 * Payment gateways behind one adapter. The platform never sees card data: it creates
 * a payment with the provider, the visitor pays on the provider's page or app, and the
 * provider calls back (signed).
 *
 * `ProviderGateway` is the providers' interface (WeChat Pay API v3 in `wechat/`, Alipay in
 * `alipay/`, built by `config.ts`): create per scene, verified notices for payments and
 * refunds, query, close, refund, refund query and the daily statement. core/orders calls
 * it; tests and the demo run the same adapters against the local fakes (fakes/).
 * See core/payments/README.md and docs/adr/0009-payment-providers.md.
 */

export type ProviderName = 'wechat' | 'alipay';

/** How the visitor pays, per provider: the channel decides (kiosk QR, mini-program, mobile web, desktop web). */
export type PaymentScene =
  | 'native' // WeChat: a code_url the visitor scans (kiosks, desktop web)
  | 'jsapi' // WeChat: inside the mini-program / official account (needs the payer's openid)
  | 'h5' // WeChat: a mobile browser outside WeChat (needs the payer's IP)
  | 'precreate' // Alipay: a QR code the visitor scans (kiosks, desktop web)
  | 'wap' // Alipay: a mobile browser
  | 'page'; // Alipay: a desktop browser

export const SCENES_BY_PROVIDER: Readonly<Record<ProviderName, readonly PaymentScene[]>> = {
  wechat: ['native', 'jsapi', 'h5'],
  alipay: ['precreate', 'wap', 'page'],
};

/** Header map as node:http / express hand it over. */
export type RawHeaders = Readonly<Record<string, string | string[] | undefined>>;

export interface CreatePaymentRequest {
  /** our payment id in the provider's alphabet (`outTradeNoOf(paymentId)`): binds every later notice to it */
  outTradeNo: string;
  /** integer fen (分), the order's amount from the books, never one from the client */
  amount: number;
  currency: 'CNY';
  /** shown to the payer (WeChat `description`, Alipay `subject`) */
  description: string;
  notifyUrl: string;
  /** the provider stops accepting the payment then (the hold's expiry) */
  expiresAt: Date;
  scene: PaymentScene;
  /** jsapi: the payer's openid under our app id; h5: the payer's IP address */
  payer?: { openid?: string; clientIp?: string };
  /** wap/page/h5: where the provider sends the browser back after paying */
  returnUrl?: string;
}

/** What the caller shows the visitor to pay. */
export type PaymentAction =
  | { kind: 'qr'; content: string } // render as a QR code
  | { kind: 'redirect'; url: string } // send the browser there
  | { kind: 'jsapi'; params: JsapiPayParams }; // hand to wx.requestPayment in the mini-program

/** The mini-program's `wx.requestPayment` arguments, signed by the merchant key. */
export interface JsapiPayParams {
  appId: string;
  timeStamp: string;
  nonceStr: string;
  package: string;
  signType: 'RSA';
  paySign: string;
}

export interface CreatedPayment {
  provider: ProviderName;
  outTradeNo: string;
  action: PaymentAction;
}

/**
 * A payment's state at the provider, normalised:
 * - `pending`: created, not paid yet (WeChat NOTPAY/USERPAYING, Alipay WAIT_BUYER_PAY)
 * - `succeeded`: money taken (WeChat SUCCESS, Alipay TRADE_SUCCESS/TRADE_FINISHED)
 * - `refunded`: money taken, then (partly) given back (WeChat REFUND; Alipay TRADE_CLOSED after payment)
 * - `closed`: never paid and no longer payable (closed, expired, revoked)
 * - `failed`: the payer's attempt failed (WeChat PAYERROR)
 */
export type PaymentStatus = 'pending' | 'succeeded' | 'refunded' | 'closed' | 'failed';

/** `succeeded` and `refunded` mean the provider took the payer's money. */
export const moneyTaken = (s: PaymentStatus): boolean => s === 'succeeded' || s === 'refunded';

/** What binds a provider's word to a payment Scenic created: all of it must match the books. */
export interface PaymentIdentity {
  provider: ProviderName;
  outTradeNo: string;
  /** the provider's own id for the payment (WeChat transaction_id, Alipay trade_no); null before the payer acts */
  providerRef: string | null;
  /** the order's total in fen as the provider has it */
  amount: number;
  currency: string;
  /** WeChat mchid / Alipay seller_id (PID) */
  merchantId: string;
  /** WeChat appid / Alipay app_id */
  appId: string;
}

export interface PaymentState extends PaymentIdentity {
  status: PaymentStatus;
  /** the provider's own word for it (SUCCESS, TRADE_FINISHED…), for the audit trail */
  providerStatus: string;
  paidAt: Date | null;
}

export type PaymentQuery = PaymentState | { status: 'not_found'; provider: ProviderName; outTradeNo: string };

export interface ProviderPaymentNotice extends PaymentState {
  kind: 'payment';
  /** the provider's notification id (for the audit trail; duplicates share it) */
  notifyId: string;
}

/**
 * A refund's state: `pending` (accepted, money not back yet), `succeeded`, `failed`
 * (refused or closed; `retryable` says whether sending it again can work), `abnormal`
 * (WeChat ABNORMAL: accepted, but the payer's card or account refused the money, which
 * now waits in WeChat's refund account; sending the same refund number again only
 * answers ABNORMAL again — the way out is `applyAbnormalRefund`).
 */
export type RefundStatus = 'pending' | 'succeeded' | 'failed' | 'abnormal';

export interface RefundState {
  provider: ProviderName;
  outTradeNo: string;
  /** our refund id in the provider's alphabet (`outRefundNoOf(refundId)`) */
  outRefundNo: string;
  providerRefundRef: string | null;
  status: RefundStatus;
  providerStatus: string;
  /** fen given back by this refund */
  amount: number;
  settledAt: Date | null;
  /** provider error code when `failed` (NOT_ENOUGH, ACQ.SELLER_BALANCE_NOT_ENOUGH…) */
  failureCode?: string;
  retryable?: boolean;
}

export type RefundQuery = RefundState | { status: 'not_found'; provider: ProviderName; outRefundNo: string };

export interface ProviderRefundNotice extends Omit<RefundState, 'amount' | 'failureCode' | 'retryable'> {
  kind: 'refund';
  notifyId: string;
  /** fen given back by this refund; null when the provider does not say (Alipay: query the refund) */
  amount: number | null;
  /** fen refunded on the payment so far, all refunds together (Alipay's `refund_fee`); null for WeChat */
  refundedTotal: number | null;
  merchantId: string;
  /** null when the provider's refund notice names no app (WeChat) */
  appId: string | null;
}

export type ProviderNotice = ProviderPaymentNotice | ProviderRefundNotice;

/** What to answer the provider's notification with (the body format differs per provider). */
export interface NotificationAck {
  status: number;
  contentType: string;
  body: string;
}

export interface RefundRequest {
  outTradeNo: string;
  /** our refund id (`outRefundNoOf(refundId)`): the provider keys idempotency on it */
  outRefundNo: string;
  /** fen to give back */
  amount: number;
  /** the payment's total in fen (WeChat requires it and checks it) */
  paymentAmount: number;
  currency: 'CNY';
  reason?: string;
  /** WeChat only: where the refund's result is notified */
  notifyUrl?: string;
}

export interface AbnormalRefundRequest {
  outTradeNo: string;
  outRefundNo: string;
  /** the provider's refund id (WeChat `refund_id`): the API's path names it */
  providerRefundRef: string;
  /** where the money goes: the merchant's settlement bank account (the only one Scenic uses) */
  to: 'merchant_bank_card';
}

/** One line of a provider's daily statement, in fen, with our ids. */
export interface StatementLine {
  kind: 'payment' | 'refund' | 'fee';
  provider: ProviderName;
  outTradeNo: string;
  /** refund lines (and their fees): our refund id as the provider has it */
  outRefundNo: string | null;
  providerRef: string;
  providerRefundRef: string | null;
  /** payment: money taken; refund: money given back; fee: charged (negative when the provider returns it) */
  amount: number;
  at: Date;
  merchantId: string;
  appId: string | null;
}

export interface Statement {
  provider: ProviderName;
  /** the provider-day, yyyy-MM-dd in Beijing time */
  date: string;
  lines: StatementLine[];
  /** the file's own totals (summary rows), already checked against the lines */
  totals: { payments: number; paymentCount: number; refunds: number; refundCount: number; fees: number };
}

/** A real payment provider. Every answer is signature-checked and validated before it is returned. */
export interface ProviderGateway {
  readonly provider: ProviderName;
  /** the ids a notice or statement must carry to be ours */
  readonly merchantId: string;
  readonly appId: string;
  createPayment(req: CreatePaymentRequest): Promise<CreatedPayment>;
  /**
   * Verifies a notification (signature first, before anything is parsed) and returns it
   * typed. Throws an `authentication` DomainError for a bad signature and an `input` one
   * for a malformed body. The caller must still bind it to the books (see README).
   */
  parseNotification(headers: RawHeaders, rawBody: Buffer): ProviderNotice;
  /** The answer that tells the provider "received" (`ok`) or "send it again". */
  notificationAck(ok: boolean): NotificationAck;
  queryPayment(outTradeNo: string): Promise<PaymentQuery>;
  /**
   * Asks the provider to stop accepting the payment. `paid` means it was paid first;
   * `not_found` that the provider has no such trade yet (Alipay before the QR is scanned:
   * `expiresAt` still stops it). WeChat answers `closed` even for an unknown trade.
   */
  closePayment(outTradeNo: string): Promise<'closed' | 'paid' | 'not_found'>;
  /** Idempotent per `outRefundNo`: sending the same refund again returns its state. */
  refund(req: RefundRequest): Promise<RefundState>;
  queryRefund(ref: { outTradeNo: string; outRefundNo: string }): Promise<RefundQuery>;
  /**
   * WeChat only (Alipay has no abnormal refunds): the documented way out of an ABNORMAL
   * refund (发起异常退款). Scenic keeps no payer bank card, so the money goes to the
   * merchant's settlement bank account (`MERCHANT_BANK_CARD`) and is handed back at the
   * counter; the answer is the refund again (PROCESSING until WeChat has moved it).
   */
  applyAbnormalRefund?(ref: AbnormalRefundRequest): Promise<RefundState>;
  /** The provider-day's statement (yyyy-MM-dd, Beijing time), downloaded, checked and parsed. */
  fetchStatement(date: string): Promise<Statement>;
}

/**
 * Our ids are UUIDs; WeChat's out_trade_no allows 32 characters of [0-9A-Za-z_-|*], so
 * the dashes go. The mapping is reversible, which is how a notice or statement line finds
 * the payment or refund row it belongs to.
 */
export function outTradeNoOf(id: string): string {
  const hex = id.replaceAll('-', '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(hex)) throw new TypeError(`not a UUID: ${id}`);
  return hex;
}

export const outRefundNoOf = outTradeNoOf;

/** The UUID an out_trade_no / out_refund_no names, or null when it is not one of ours. */
export function idOfOutTradeNo(no: string): string | null {
  if (!/^[0-9a-f]{32}$/.test(no)) return null;
  return `${no.slice(0, 8)}-${no.slice(8, 12)}-${no.slice(12, 16)}-${no.slice(16, 20)}-${no.slice(20)}`;
}
