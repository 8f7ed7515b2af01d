import { paymentError } from './errors.js';
import type {
  AbnormalRefundRequest,
  CreatedPayment,
  CreatePaymentRequest,
  NotificationAck,
  PaymentQuery,
  ProviderGateway,
  ProviderName,
  ProviderNotice,
  RawHeaders,
  RefundQuery,
  RefundRequest,
  RefundState,
  Statement,
} from './gateway.js';

/**
 * A provider whose adapter module is imported only when the deployment names it: Alipay's
 * SDK costs ~0.6 s of CPU to load, which an API configured for WeChat alone should not pay
 * at every start (docs/adr/0012-money-path-wiring.md). The import starts at construction,
 * in the background; every asynchronous call waits for it, and `ready()` lets a process
 * wait before it serves. The synchronous parts are answered without the module: the ids
 * from the settings, the notification acknowledgement by format; a notification arriving
 * before the module is in is refused as `provider_unreachable` (the provider retries it),
 * never half-verified.
 */
export class LazyGateway implements ProviderGateway {
  private loaded: ProviderGateway | undefined;
  private readonly loading: Promise<ProviderGateway>;

  constructor(
    readonly provider: ProviderName,
    readonly merchantId: string,
    readonly appId: string,
    private readonly ack: (ok: boolean) => NotificationAck,
    load: () => Promise<ProviderGateway>,
  ) {
    this.loading = load().then((g) => (this.loaded = g));
    this.loading.catch(() => undefined); // surfaced by every call (and ready()), not as an unhandled rejection
  }

  /** Resolves once the adapter is loaded; rejects when it cannot be. */
  async ready(): Promise<void> {
    await this.loading;
  }

  private get = () => this.loading;

  async createPayment(req: CreatePaymentRequest): Promise<CreatedPayment> {
    return (await this.get()).createPayment(req);
  }
  parseNotification(headers: RawHeaders, rawBody: Buffer): ProviderNotice {
    if (!this.loaded)
      throw paymentError('provider_unreachable', `the ${this.provider} adapter is still loading`, {
        provider: this.provider,
      });
    return this.loaded.parseNotification(headers, rawBody);
  }
  notificationAck(ok: boolean): NotificationAck {
    return this.ack(ok);
  }
  async queryPayment(outTradeNo: string): Promise<PaymentQuery> {
    return (await this.get()).queryPayment(outTradeNo);
  }
  async closePayment(outTradeNo: string): Promise<'closed' | 'paid' | 'not_found'> {
    return (await this.get()).closePayment(outTradeNo);
  }
  async refund(req: RefundRequest): Promise<RefundState> {
    return (await this.get()).refund(req);
  }
  async queryRefund(ref: { outTradeNo: string; outRefundNo: string }): Promise<RefundQuery> {
    return (await this.get()).queryRefund(ref);
  }
  async fetchStatement(date: string): Promise<Statement> {
    return (await this.get()).fetchStatement(date);
  }
  /** Present only when the loaded adapter has it (WeChat); Alipay has no abnormal refunds. */
  get applyAbnormalRefund(): ((ref: AbnormalRefundRequest) => Promise<RefundState>) | undefined {
    const g = this.loaded;
    return g?.applyAbnormalRefund ? (ref) => g.applyAbnormalRefund!(ref) : undefined;
  }
}

/** Waits until every lazily loaded provider is in (the API, before it takes notifications). */
export async function paymentProvidersReady(providers: Iterable<ProviderGateway>): Promise<void> {
  await Promise.all([...providers].map((g) => (g instanceof LazyGateway ? g.ready() : Promise.resolve())));
}
