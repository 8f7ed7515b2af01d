import { BlockList, isIP } from 'node:net';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { notAllowed, unauthenticated } from '../errors.js';
import { parseInput } from '../validation.js';

/**
 * Who may read the crowd screen: a caller on a trusted network, or one presenting a
 * read-only screen token. The configuration holds only SHA-256 digests of tokens, and
 * nothing by default: a screen with neither is closed.
 *
 * Environment:
 *  - SCENIC_SCREEN_TRUSTED_NETWORKS: comma-separated CIDRs (`10.20.0.0/16,fd00::/8`);
 *  - SCENIC_SCREEN_TOKEN_SHA256: comma-separated hex SHA-256 digests of screen tokens
 *    (`scenic screen-token` prints a new token and its digest).
 */
const Cidr = z
  .string()
  .trim()
  .regex(/^[0-9a-fA-F:.]+\/\d{1,3}$/, 'must be a CIDR such as 10.0.0.0/8')
  .refine((s) => {
    const [ip, bits] = s.split('/') as [string, string];
    const v = isIP(ip);
    return v !== 0 && Number(bits) <= (v === 4 ? 32 : 128);
  }, 'must be a CIDR such as 10.0.0.0/8');
const Digest = z
  .string()
  .trim()
  .regex(/^[0-9a-f]{64}$/i, 'must be a hex SHA-256 digest');
const list = (item: z.ZodType<string, string>) =>
  z
    .string()
    .optional()
    .transform((s) => (s ?? '').split(',').filter((x) => x.trim() !== ''))
    .pipe(z.array(item));

const Env = z.object({
  SCENIC_SCREEN_TRUSTED_NETWORKS: list(Cidr),
  SCENIC_SCREEN_TOKEN_SHA256: list(Digest),
});

export interface ScreenAccess {
  networks: string[];
  digests: Buffer[];
  trusted: BlockList;
}

/** Reads the screen's access from the environment; a malformed entry is a 400 naming it. */
export function loadScreenAccess(env: NodeJS.ProcessEnv): ScreenAccess {
  const cfg = parseInput(Env, env, 'invalid_config');
  const trusted = new BlockList();
  for (const c of cfg.SCENIC_SCREEN_TRUSTED_NETWORKS) {
    const [ip, bits] = c.trim().split('/') as [string, string];
    trusted.addSubnet(ip, Number(bits), isIP(ip) === 6 ? 'ipv6' : 'ipv4');
  }
  return {
    networks: cfg.SCENIC_SCREEN_TRUSTED_NETWORKS.map((c) => c.trim()),
    digests: cfg.SCENIC_SCREEN_TOKEN_SHA256.map((h) => Buffer.from(h.trim().toLowerCase(), 'hex')),
    trusted,
  };
}

/** An IPv4 address carried in IPv6 (`::ffff:10.1.2.3`) is checked as IPv4. */
function normalise(ip: string): { ip: string; type: 'ipv4' | 'ipv6' } | undefined {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (m) return { ip: m[1]!, type: 'ipv4' };
  const v = isIP(ip);
  return v ? { ip, type: v === 4 ? 'ipv4' : 'ipv6' } : undefined;
}

export const tokenDigest = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

/**
 * Throws unless the caller may read the screen: `screen_closed` (403) when nothing is
 * configured, `invalid_screen_token` (401) for a token matching no digest,
 * `screen_token_required` (401) for an untrusted caller without one.
 */
export function checkScreenAccess(a: ScreenAccess, caller: { ip?: string; token?: string }): void {
  if (!a.networks.length && !a.digests.length)
    throw notAllowed('screen_closed', 'the crowd screen is not configured (no trusted network, no token)');
  if (caller.token !== undefined) {
    const d = tokenDigest(caller.token);
    // compare against every digest, so the time taken does not say which one matched
    let ok = false;
    for (const x of a.digests) ok = timingSafeEqual(d, x) || ok;
    if (!ok) throw unauthenticated('invalid_screen_token', 'the screen token is not valid');
    return;
  }
  const n = caller.ip ? normalise(caller.ip) : undefined;
  if (n && a.trusted.check(n.ip, n.type)) return;
  throw unauthenticated(
    'screen_token_required',
    'this network is not trusted: open the screen with its token',
  );
}

/** A new screen token (to give to the screen) and its digest (for the configuration). */
export function newScreenToken(): { token: string; sha256: string } {
  const token = `scr_${randomBytes(24).toString('base64url')}`;
  return { token, sha256: tokenDigest(token).toString('hex') };
}
