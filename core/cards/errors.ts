import type { ErrorTable } from '../errors.js';

/** NFC/IC cards bound to tickets (issue 18). */
export const CARD_ERRORS = {
  card_in_use: 'conflict',
  ticket_not_bindable: 'conflict',
  ticket_has_card: 'conflict',
  no_card_bound: 'conflict',
} as const satisfies ErrorTable;
