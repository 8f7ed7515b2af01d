import type { ErrorTable } from '../errors.js';

/** Annual passes (issue 18, core/passes). */
export const PASS_ERRORS = {
  pass_not_found: 'not-found',
  // pass terms go on a product of kind annual_pass only
  not_a_pass_product: 'input',
  // the pass is not valid (pending, refunded) or not on that day (outside its validity)
  pass_not_valid: 'conflict',
  pass_blackout_date: 'conflict',
  // one free slot booking per pass and day
  pass_already_booked: 'conflict',
  pass_photo_invalid: 'input',
} as const satisfies ErrorTable;
