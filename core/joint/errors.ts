import type { ErrorTable } from '../errors.js';

/** Joint products (several areas, one sale) and the suppliers of packages. */
export const JOINT_ERRORS = {
  joint_product_not_found: 'not-found',
  supplier_not_found: ['not-found', 'input'],
  // the shares of the areas and suppliers must add up to the whole net (10000 bps)
  joint_shares_invalid: 'input',
  // a leg names an area or a slot the catalog does not have
  joint_leg_unknown: 'input',
  // a joint order's areas each hold its visitors on one date: moving one area alone would
  // split the trip, moving all at once is not built; a refund (its policy) is the way out
  joint_not_reschedulable: 'conflict',
} as const satisfies ErrorTable;
