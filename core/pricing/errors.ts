import type { ErrorTable } from '../errors.js';

/** Why a coupon cannot be used (`couponProblem`), or not with the others. */
export const COUPON_PROBLEMS = {
  coupon_not_yet_valid: 'input',
  coupon_expired: 'input',
  coupon_used_up: 'input',
  coupon_min_amount: 'input',
} as const satisfies ErrorTable;
export type CouponProblem = keyof typeof COUPON_PROBLEMS;

export const PRICING_ERRORS = {
  ...COUPON_PROBLEMS,
  coupon_not_stackable: 'input',
} as const satisfies ErrorTable;
