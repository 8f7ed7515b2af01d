import { DomainError, type ErrorKind, type ErrorTable } from '../errors.js';

/**
 * Payments: the providers' answers and notifications, their reachability, and payments we
 * do not know. Callers match on the code, never on the message.
 */
export const PAYMENT_ERRORS = {
  bad_callback_signature: 'authentication',
  stale_callback: 'authentication',
  payment_gateway_unreachable: 'unavailable',
  payment_gateway_error: 'unavailable',
  payment_not_found: 'not-found',
  unknown_provider: 'not-found',
  /** the provider could not be reached, timed out or answered 5xx: safe to retry */
  provider_unreachable: 'unavailable',
  /** an answer without a valid provider signature, or one that fails its schema: never acted on */
  provider_answer_unverified: 'unavailable',
  /** the provider refused our request signature (401): a configuration problem (keys, serial, clock) */
  provider_refused_signature: 'authentication',
  /** the provider refused the request for a business reason it names (details.providerCode) */
  provider_rejected: 'conflict',
  /** a notification whose signature does not verify with the provider's key */
  bad_notification_signature: 'authentication',
  /** a notification outside the replay window (WeChat's timestamp) */
  stale_notification: 'authentication',
  /** a notification that verifies but cannot be read (encoding, decryption, schema) */
  malformed_notification: 'input',
  /** a notification for another merchant or app than this gateway's */
  foreign_notification: 'authentication',
  /** the statement file does not match its hash or its own totals */
  statement_inconsistent: 'unavailable',
  /** the provider has no statement for that day (yet) */
  statement_not_ready: 'unavailable',
  /** the request itself is wrong (scene for the other provider, missing openid…) */
  invalid_payment_request: 'input',
  /** no payment provider is configured for online payments (SCENIC_PAYMENT_PROVIDERS) */
  no_payment_provider: 'unavailable',
  /** a refund id that does not exist, or not one a cashier settles */
  refund_not_found: 'not-found',
  /** the refund is not in a state that allows this (settled already, not failed…) */
  refund_not_settleable: 'conflict',
  /** a card refund settled at the counter names the terminal's reference */
  settlement_reference_required: 'input',
  /** no such reconciliation run or item */
  reconciliation_not_found: 'not-found',
  /** a decision is recorded only for money taken with no payment in the books */
  reconciliation_decision_not_allowed: 'conflict',
} as const satisfies ErrorTable;

export type PaymentErrorCode = keyof typeof PAYMENT_ERRORS;

/** A DomainError with a payment code; its kind comes from the table. */
export function paymentError(
  code: PaymentErrorCode,
  message: string,
  details: Record<string, unknown> = {},
): DomainError {
  return new DomainError<ErrorKind>(PAYMENT_ERRORS[code], code, message, details);
}
