import type { ErrorTable } from '../errors.js';

/** Presale holds and the waiting room. */
export const PRESALE_ERRORS = {
  hold_not_available: 'conflict',
  hold_mismatch: 'input',
  no_waiting_room: 'conflict',
  admission_required: 'authentication',
  admission_expired: 'authentication',
  // the admission was minted for another device than the one holding with it
  admission_wrong_device: 'authentication',
  // the admission's position has held every unit it may (the presale is over for it)
  admission_used: 'conflict',
  bad_queue_token: 'authentication',
  queue_token_expired: 'authentication',
  // past the room's closesAt: nobody joins, is admitted or holds
  waiting_room_closed: 'conflict',
  queue_token_required: 'input',
  // behind the frontier: come back later (the body says where the visitor stands)
  waiting_room: 'rate-limited',
  // the room sheds load before it does any work
  waiting_room_busy: 'rate-limited',
} as const satisfies ErrorTable;
