import type { ErrorTable } from '../errors.js';

/** Presale holds and the waiting room. */
export const PRESALE_ERRORS = {
  hold_not_available: 'conflict',
  hold_mismatch: 'input',
  no_waiting_room: 'conflict',
  admission_required: 'authentication',
  admission_expired: 'authentication',
  bad_queue_token: 'authentication',
  queue_token_required: 'input',
  // behind the frontier: come back later (the body says where the visitor stands)
  waiting_room: 'rate-limited',
  // the room sheds load before it does any work
  waiting_room_busy: 'rate-limited',
} as const satisfies ErrorTable;
