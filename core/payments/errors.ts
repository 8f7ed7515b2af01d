import type { ErrorTable } from '../errors.js';

/** Payment providers: their callbacks, their reachability, and payments we do not know. */
export const PAYMENT_ERRORS = {
  bad_callback_signature: 'authentication',
  stale_callback: 'authentication',
  payment_gateway_unreachable: 'unavailable',
  payment_gateway_error: 'unavailable',
  payment_not_found: 'not-found',
  unknown_provider: 'not-found',
} as const satisfies ErrorTable;
