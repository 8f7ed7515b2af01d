import type { ErrorTable } from './errors.js';

/**
 * Codes of no one area: malformed or invalid input in general, configuration, routing,
 * rate limits, and the Idempotency-Key protocol (`core/idempotency.ts`).
 */
export const COMMON_ERRORS = {
  invalid_input: 'input',
  invalid_config: 'input',
  malformed_json: 'input',
  body_too_large: 'input',
  unsupported_encoding: 'input',
  // 415, not 400 (api/problem.ts): the partner API, OCTO and the gate's /scan take JSON only
  unsupported_media_type: 'input',
  route_not_found: 'not-found',
  rate_limited: 'rate-limited',
  idempotency_key_required: 'input',
  // 422, not 400 (api/problem.ts): the request is well-formed, the key is taken
  idempotency_key_reused: 'input',
  idempotency_in_progress: 'conflict',
  idempotency_key_lost: 'unavailable',
} as const satisfies ErrorTable;
