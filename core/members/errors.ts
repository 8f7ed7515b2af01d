import type { ErrorTable } from '../errors.js';

/** Members, points and their personal data (issue 22). */
export const MEMBER_ERRORS = {
  // a partner order names a member, or a visitor spends points, without a member account
  unknown_member: 'input',
  // the partner is not flagged as selling to members
  member_channel_not_allowed: 'not-allowed',
  // points are spent only by a signed-in member, up to the balance and the area's share
  points_not_allowed: 'not-allowed',
  points_insufficient: 'conflict',
  points_over_share: 'input',
  // the signed-in visitor has no member account yet (sign in again)
  member_not_found: 'not-found',
  // erasing a person with a visit still to come would void a real-name ticket
  member_has_upcoming_visits: 'conflict',
  // a segment of fewer members than the minimum group size could single a person out
  segment_too_small: 'conflict',
} as const satisfies ErrorTable;
