import type { ErrorTable } from '../errors.js';

/** Refund and reschedule policies (issue 18): a refusal names the rule that refused. */
export const POLICY_ERRORS = {
  refund_not_allowed: 'not-allowed',
  refund_window_closed: 'conflict',
  partial_refund_not_allowed: 'conflict',
  reschedule_window_closed: 'conflict',
  reschedule_limit_reached: 'conflict',
} as const satisfies ErrorTable;
