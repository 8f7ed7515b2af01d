import type { ErrorTable } from '../errors.js';

/** Staff API keys, visitor sessions and their one-time codes, and role checks. */
export const AUTH_ERRORS = {
  bad_credentials: 'authentication',
  authentication_required: 'authentication',
  bad_session: 'authentication',
  session_expired: 'authentication',
  otp_invalid: 'authentication',
  otp_too_soon: 'rate-limited',
  role_not_allowed: 'not-allowed',
  sign_in_required: 'not-allowed',
} as const satisfies ErrorTable;
