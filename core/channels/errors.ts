import type { ErrorTable } from '../errors.js';
import type { SignatureRefusal } from './signature.js';

/** Why a partner request's signature is refused (`core/channels/signature.ts`). */
export const SIGNATURE_ERRORS = {
  signature_missing: 'authentication',
  signature_malformed: 'authentication',
  timestamp_skew: 'authentication',
  body_digest_mismatch: 'authentication',
  signature_invalid: 'authentication',
} as const satisfies Record<SignatureRefusal, 'authentication'>;

/** Partners, their credentials, orders and webhooks; the box office and emergency sales. */
export const CHANNEL_ERRORS = {
  ...SIGNATURE_ERRORS,
  unknown_key: 'authentication',
  nonce_reused: 'authentication',
  partner_suspended: 'not-allowed',
  partner_not_found: 'not-found',
  credential_not_found: 'not-found',
  partner_order_id_reused: 'conflict',
  stock_unavailable: 'conflict',
  ticket_not_found: 'not-found',
  delivery_not_found: 'not-found',
  delivery_pending: 'conflict',
  // box office
  payment_method_not_allowed: 'not-allowed',
  insufficient_cash: 'input',
  /** a kiosk records a card payment only with the terminal's reference */
  card_reference_required: 'input',
  payment_not_recorded: 'conflict',
  group_too_large: 'input',
  order_not_issued: 'conflict',
  nothing_to_reprint: 'conflict',
  // emergency manual sales
  supervisor_required: 'not-allowed',
  beyond_onsite_reserve: 'input',
  emergency_already_open: 'conflict',
  emergency_not_found: 'not-found',
  emergency_not_open: 'conflict',
  emergency_wrong_day: 'input',
  emergency_reserve_exhausted: 'conflict',
} as const satisfies ErrorTable;

/**
 * OCTO's own error names, used as our codes on `/octo` (core/channels/octo.ts maps the
 * others). The upper case is OCTO's, and tells `octoErrorCode` to pass them through.
 */
export const OCTO_ERRORS = {
  BAD_REQUEST: 'input',
  INVALID_BOOKING_UUID: 'input',
  INVALID_PRODUCT_ID: 'not-found',
  INVALID_OPTION_ID: 'not-found',
  INVALID_AVAILABILITY_ID: 'not-found',
  INVALID_UNIT_ID: 'not-found',
  UNPROCESSABLE_ENTITY: 'conflict',
} as const satisfies ErrorTable;
