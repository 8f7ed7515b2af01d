import type { ErrorTable } from '../errors.js';

/** Notifications: the alert relay's input and the robots it delivers to. */
export const NOTIFY_ERRORS = {
  invalid_alert_notification: 'input',
  robot_not_found: 'not-found',
} as const satisfies ErrorTable;
