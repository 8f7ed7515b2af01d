import type { ErrorTable } from '../errors.js';

/**
 * Staff accounts, sessions, device keys, visitor sessions and their one-time codes, and
 * the scope checks of every staff route (`scope.ts`).
 */
export const AUTH_ERRORS = {
  bad_credentials: 'authentication',
  authentication_required: 'authentication',
  bad_session: 'authentication',
  session_expired: 'authentication',
  otp_invalid: 'authentication',
  otp_too_soon: 'rate-limited',
  /** the phone's guesses over all its codes are used up (17.18) */
  otp_locked: 'rate-limited',
  role_not_allowed: 'not-allowed',
  sign_in_required: 'not-allowed',
  // scope (core/auth/scope.ts)
  permission_denied: 'not-allowed',
  second_factor_required: 'not-allowed',
  area_not_in_scope: 'not-allowed',
  all_areas_required: 'not-allowed',
  role_not_grantable: 'not-allowed',
  admin_needs_all_areas: 'input',
  // people: sign-in, second factor, enrolment
  account_locked: 'rate-limited',
  sign_in_throttled: 'rate-limited',
  totp_required: 'authentication',
  totp_invalid: 'authentication',
  totp_not_enrolled: 'conflict',
  totp_already_enrolled: 'conflict',
  csrf_token_invalid: 'not-allowed',
  enrolment_invalid: 'authentication',
  weak_password: 'input',
  account_not_found: 'not-found',
  account_exists: 'conflict',
  account_disabled: 'authentication',
  session_not_found: 'not-found',
  unknown_areas: 'input',
  last_admin: 'conflict',
  admin_exists: 'conflict',
  // device keys
  device_key_not_found: 'not-found',
  device_channel_required: 'input',
  device_channel_not_onsite: 'input',
  key_expired: 'authentication',
  key_not_active: 'conflict',
  gate_id_taken: 'conflict',
  channel_required: 'not-allowed',
  resend_too_soon: 'rate-limited',
  no_contact_phone: 'conflict',
} as const satisfies ErrorTable;
