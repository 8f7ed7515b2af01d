import type { PaymentStart } from '../lib/api.js';

/** Goes to the fake (or real) gateway's pay page, which sends the visitor back to the order. */
export function payAndReturn(p: PaymentStart, orderId: string): void {
  if (!p.payUrl) {
    location.assign(`/orders/${orderId}`);
    return;
  }
  const back = `${location.origin}/orders/${orderId}?paid=1`;
  const u = new URL(p.payUrl, location.href);
  u.searchParams.set('return', back);
  location.assign(u.toString());
}
