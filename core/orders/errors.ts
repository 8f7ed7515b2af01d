import type { ErrorTable } from '../errors.js';

/** Orders, their tickets, refunds, reschedules and the waiting list. */
export const ORDER_ERRORS = {
  order_not_found: 'not-found',
  invalid_order: 'input',
  invalid_order_id: 'input',
  unknown_coupon: 'input',
  // a concession ticket for a traveller outside its age band on the visit date (17.11)
  concession_not_eligible: 'input',
  channel_not_allowed: 'not-allowed',
  channel_disabled: 'conflict',
  duplicate_partner_order: 'conflict',
  // held-units budgets (hold-caps.ts): larger orders need a verified caller; a full budget waits for its holds
  hold_too_large: 'not-allowed',
  hold_limit_reached: 'conflict',
  // paying
  order_not_payable: 'conflict',
  hold_expired: 'conflict',
  // lifecycle
  order_not_cancellable: 'conflict',
  order_not_held: 'conflict',
  order_not_paid: 'conflict',
  order_not_refundable: 'conflict',
  ticket_not_refundable: 'conflict',
  ticket_used: 'conflict',
  nothing_to_refund: 'conflict',
  unknown_ticket: 'input',
  order_not_reschedulable: 'conflict',
  nothing_to_reschedule: 'conflict',
  same_slot: 'input',
  reschedule_not_allowed: 'not-allowed',
  // the waiting list
  invalid_waitlist: 'input',
  waitlist_entry_not_found: 'not-found',
  claim_not_available: 'conflict',
  claim_expired: 'conflict',
  claim_mismatch: 'input',
  // joining needs the signed-in phone, within per phone/device/address limits
  waitlist_phone_not_verified: 'input',
  waitlist_limit_reached: 'conflict',
} as const satisfies ErrorTable;
