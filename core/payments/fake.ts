import { createHmac, timingSafeEqual } from 'node:crypto';
import { unauthenticated, unavailable } from '../errors.js';
import type { CreatePayment, PaymentGateway, PaymentNotice } from './gateway.js';

/**
 * Adapter for the local fake gateway (fakes/payment-gateway.ts). Its callbacks are
 * signed like real providers do: HMAC-SHA256 over `${timestamp}.${body}` with a shared
 * secret, and refused when older than five minutes.
 */
export class FakeGateway implements PaymentGateway {
  readonly provider = 'fake';
  constructor(
    private readonly baseUrl: string,
    private readonly secret: string,
    private readonly now: () => number = Date.now,
  ) {}

  async createPayment(req: CreatePayment) {
    const r = await this.post('/payments', req);
    return r as { providerRef: string; payUrl: string };
  }

  parseCallback(headers: Record<string, string | string[] | undefined>, rawBody: Buffer): PaymentNotice {
    const ts = String(headers['x-fake-timestamp'] ?? '');
    const sig = String(headers['x-fake-signature'] ?? '');
    const want = signFakeCallback(this.secret, ts, rawBody);
    const ok = sig.length === want.length && timingSafeEqual(Buffer.from(sig), Buffer.from(want));
    if (!ok) throw unauthenticated('bad_callback_signature', 'payment callback signature does not verify');
    if (!/^\d+$/.test(ts) || Math.abs(this.now() - Number(ts)) > 300_000) {
      throw unauthenticated('stale_callback', 'payment callback timestamp is outside the allowed window');
    }
    const b = JSON.parse(rawBody.toString('utf8')) as {
      paymentId: string;
      orderId: string;
      amount: number;
      status: string;
    };
    return {
      providerRef: b.paymentId,
      orderId: b.orderId,
      amount: b.amount,
      status: b.status === 'succeeded' ? 'succeeded' : 'failed',
      raw: b,
    };
  }

  async refund(req: { providerRef: string; refundId: string; amount: number }) {
    const r = (await this.post('/refunds', req)) as { status: 'succeeded' | 'pending' | 'failed' };
    return { status: r.status };
  }

  private async post(path: string, body: unknown): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(this.baseUrl + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.secret}` },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(5_000),
      });
    } catch (e) {
      throw unavailable(
        'payment_gateway_unreachable',
        `payment gateway unreachable: ${(e as Error).message}`,
      );
    }
    if (!res.ok) throw unavailable('payment_gateway_error', `payment gateway answered ${res.status}`);
    return res.json();
  }
}

export function signFakeCallback(secret: string, timestamp: string, body: Buffer | string): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}
