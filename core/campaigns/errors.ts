import type { ErrorTable } from '../errors.js';

/** Campaigns, member-bound coupons and weather rules (issue 22). */
export const CAMPAIGN_ERRORS = {
  campaign_not_found: 'not-found',
  // a campaign is started once; a started one is not edited
  campaign_not_draft: 'conflict',
  // more recipients than the area's campaign size cap
  campaign_too_large: 'conflict',
  // the code names no coupon of this area
  member_coupon_unknown: 'input',
  // a member-bound coupon is redeemed by its member only
  member_coupon_not_yours: 'not-allowed',
  // already redeemed on another order (single use)
  member_coupon_redeemed: 'conflict',
  member_coupon_not_valid: 'input',
  // the coupon is for a product the order does not hold
  member_coupon_wrong_product: 'input',
  // an unsubscribe link whose token does not match its member
  unsubscribe_link_invalid: 'input',
  weather_rule_not_found: 'not-found',
} as const satisfies ErrorTable;
