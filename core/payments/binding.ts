import type { PaymentRow, PaymentStatus as BooksStatus } from '../db/tables.js';
import { moneyTaken, type PaymentIdentity, type PaymentStatus } from './gateway.js';

/**
 * What binds a provider's word (a verified notice, a query's answer) to a payment Scenic
 * created, and how it may move the books' row. Pure: core/orders/payment-notices.ts
 * applies it under the order's lock.
 */
export type BindingField = 'provider' | 'amount' | 'currency' | 'merchant' | 'app';

export interface BindingMismatch {
  field: BindingField;
  expected: string | number | null;
  got: string | number | null;
}

type Created = Pick<PaymentRow, 'provider' | 'amount' | 'currency' | 'merchant_id' | 'app_id'>;

/** Every field that differs between what Scenic created and what the provider names ([] = ours). */
export function bindingMismatches(row: Created, s: PaymentIdentity): BindingMismatch[] {
  const out: BindingMismatch[] = [];
  const check = (field: BindingField, expected: string | number | null, got: string | number | null) => {
    if (expected !== got) out.push({ field, expected, got });
  };
  check('provider', row.provider, s.provider);
  check('amount', row.amount, s.amount);
  check('currency', row.currency, s.currency);
  check('merchant', row.merchant_id, s.merchantId);
  check('app', row.app_id, s.appId);
  return out;
}

/**
 * The status the books' row moves to on the provider's word, or null when that word is
 * stale or repeated. State only moves forward: money taken (`succeeded`, `refunded` at
 * the provider) moves any unpaid row to `succeeded` — even a closed one, since money
 * without a ticket is never left — and nothing moves a paid row back; `closed` and
 * `failed` only end an unpaid row; `pending` changes nothing. A paid row becomes
 * `refunded` through Scenic's own refunds, never through a payment notice.
 */
export function nextPaymentStatus(current: BooksStatus, reported: PaymentStatus): BooksStatus | null {
  const unpaid = current === 'pending' || current === 'failed' || current === 'closed';
  if (moneyTaken(reported)) return unpaid ? 'succeeded' : null;
  if (reported === 'closed') return current === 'pending' || current === 'failed' ? 'closed' : null;
  if (reported === 'failed') return current === 'pending' ? 'failed' : null;
  return null;
}
