import type { ErrorTable } from '../errors.js';

/**
 * The crowd screen's access (api/screen.ts): a trusted network or a read-only screen
 * token. A screen that is not configured is closed, not open.
 */
export const SCREEN_ERRORS = {
  /** neither a trusted network nor a token: the caller must present one */
  screen_token_required: 'authentication',
  /** a token was presented and is not one of the configured digests */
  invalid_screen_token: 'authentication',
  /** no trusted network and no token digest is configured: the screen is off */
  screen_closed: 'not-allowed',
} as const satisfies ErrorTable;
