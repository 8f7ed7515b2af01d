import type { Request, Response } from 'express';
import { DomainError, isDomainError } from '../core/errors.js';
import type { Actor } from '../core/orders/model.js';
import { csrfTokenOf, sameToken } from '../core/auth/staff-sessions.js';
import type { AppContext } from './context.js';

/**
 * The console's session cookie. `__Host-` pins it to this origin, path `/`, Secure;
 * HttpOnly keeps it from scripts; SameSite=Strict keeps other sites' pages from sending
 * it. It is read only on the staff and admin paths (the visitor page on the same origin
 * never acts as staff), and there every unsafe method also needs `X-CSRF-Token`, the
 * session's CSRF token given at sign-in: a cross-site form cannot know it.
 */
export const SESSION_COOKIE = '__Host-scenic_session';
export const CSRF_HEADER = 'x-csrf-token';

const COOKIE_PATHS = /^\/(v1\/(staff|admin|cs|box-office)|staff\/agent|admin\/queues)(\/|$)/;
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

export function sessionCookie(token: string, maxAgeSeconds: number): string {
  return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=${maxAgeSeconds}`;
}
export const clearedCookie = `${SESSION_COOKIE}=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0`;

/** The session token of the request's cookie, if it has one. */
export function cookieToken(req: Request): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === SESSION_COOKIE) return v.join('=') || undefined;
  }
  return undefined;
}

/**
 * The staff actor of a request authenticated by the console cookie, if any. A cookie
 * that does not verify (expired, revoked) leaves the request anonymous, and its reason
 * in `res.locals.credentialProblem` for the guard to answer with; a bad CSRF token on an
 * unsafe request is refused outright.
 */
export async function cookieActor(ctx: AppContext, req: Request, res: Response): Promise<Actor | undefined> {
  if (!COOKIE_PATHS.test(req.path)) return undefined;
  const token = cookieToken(req);
  if (!token) return undefined;
  let actor: Actor;
  try {
    actor = await ctx.staffSessions.authenticate(token, ctx.platform.clock.now());
  } catch (e) {
    if (!isDomainError(e)) throw e;
    res.locals.credentialProblem = e;
    return undefined;
  }
  if (!SAFE.has(req.method)) {
    const sent = req.get(CSRF_HEADER) ?? '';
    const want = csrfTokenOf(token) ?? '';
    if (req.get('sec-fetch-site') === 'cross-site' || !sent || !sameToken(sent, want))
      throw new DomainError(
        'not-allowed',
        'csrf_token_invalid',
        `send the session's CSRF token in ${CSRF_HEADER}`,
      );
  }
  return actor;
}
