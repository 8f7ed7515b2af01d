import { newScreenToken } from '../core/screen/access.js';

/**
 * `scenic screen-token`: prints a new read-only crowd-screen token and its SHA-256.
 * The token goes to the screen (`/screen#token=…`); only the digest goes into
 * SCENIC_SCREEN_TOKEN_SHA256 (comma-separated, so tokens can be rotated one at a time).
 */
export function main(argv: string[]): number {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(
      'Usage: scenic screen-token\n\nPrints a new crowd-screen token and the digest to add to SCENIC_SCREEN_TOKEN_SHA256.\n',
    );
    return 0;
  }
  const { token, sha256 } = newScreenToken();
  process.stdout.write(
    `token:  ${token}\nsha256: ${sha256}\n\nGive the screen the token (open /screen#token=<token>); add only the sha256 to SCENIC_SCREEN_TOKEN_SHA256.\n`,
  );
  return 0;
}
