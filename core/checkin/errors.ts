import type { ErrorTable } from '../errors.js';

/**
 * Gate devices and the gate protocol. A scan's own outcome is not an error: it is a
 * reason (`core/checkin/reasons.ts`).
 */
export const CHECKIN_ERRORS = {
  invalid_gate_id: 'input',
  entrance_not_found: 'not-found',
  gate_not_found: 'not-found',
  gate_credential_required: 'authentication',
  invalid_gate_credential: 'authentication',
  gate_revoked: 'authentication',
  date_out_of_range: 'input',
  // the staff page's proxy to the entrance's gate agent (api/web.ts)
  gate_agent_not_configured: 'unavailable',
  gate_agent_unreachable: 'unavailable',
  // the gate agent's own HTTP server (gate/server.ts); its 415 unsupported_media_type is common
  invalid_scan: 'input',
  // the lane API's callers (gate/lane-access.ts): a lane device without its token, a foreign Host
  lane_token_required: 'authentication',
  gate_host_refused: 'input',
  // a double-entry flag the console resolves (core/checkin/ledger.ts)
  flag_not_found: 'not-found',
  // the online ID-number lookup is for handhelds (turnstiles hold today's hashes, 17.5)
  id_lookup_handheld_only: 'not-allowed',
} as const satisfies ErrorTable;
