import type { ErrorTable } from '../errors.js';

/** Ticket-signing keys (`core/tickets/keys.ts`, `scenic keys`). */
export const TICKET_KEY_ERRORS = {
  signing_key_not_found: 'not-found',
  /** the key that signs now cannot be retired: rotate first */
  signing_key_current: 'conflict',
  /** a revoked key is never brought back (nor retired again) */
  signing_key_revoked: 'conflict',
} as const satisfies ErrorTable;
