/**
 * Payment gateways behind one adapter. The platform never sees card data: it creates
 * a payment with the provider, the visitor pays on the provider's page or app, and the
 * provider calls back (signed). Tests and the demo use the local fake gateway
 * (fakes/payment-gateway.ts) through `FakeGateway`; see core/payments/README.md for the
 * WeChat Pay (API v3) and Alipay (RSA2) signature schemes their adapters implement.
 */
export interface CreatePayment {
  orderId: string;
  amount: number;
  currency: string;
  description: string;
  notifyUrl: string;
}

export interface PaymentNotice {
  providerRef: string;
  orderId: string;
  amount: number;
  status: 'succeeded' | 'failed';
  raw: unknown;
}

export interface PaymentGateway {
  readonly provider: string;
  createPayment(req: CreatePayment): Promise<{ providerRef: string; payUrl: string }>;
  /** Verifies the provider's signature; throws an `authentication` DomainError if it is wrong. */
  parseCallback(headers: Record<string, string | string[] | undefined>, rawBody: Buffer): PaymentNotice;
  refund(req: {
    providerRef: string;
    refundId: string;
    amount: number;
  }): Promise<{ status: 'succeeded' | 'pending' | 'failed' }>;
}
