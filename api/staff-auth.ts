import { Router, type Response } from 'express';
import { z } from 'zod';
import { parseInput } from '../core/validation.js';
import { notAllowed } from '../core/errors.js';
import type { Actor } from '../core/orders/model.js';
import { PASSWORD_MAX } from '../core/auth/passwords.js';
import { SignInInput, confirmTotpEnrolment, signIn, startTotpEnrolment } from '../core/auth/sign-in.js';
import { accountView, changePassword, enrol, loadAccount } from '../core/auth/accounts.js';
import { listSessions, revokeSession } from '../core/auth/staff-sessions.js';
import { isRole } from '../core/auth/roles.js';
import { permissionsOf, secondFactorPending } from '../core/auth/scope.js';
import { SELF, actorOf, allow, type AppContext } from './context.js';
import { clearedCookie, sessionCookie } from './staff-credentials.js';

/**
 * People's own sign-in and account (`/v1/staff`): sign in (a session as a Bearer token, or
 * as the console's cookie with a CSRF token), set the first password with an enrolment
 * token, who am I, my sessions (list, revoke), my password, my second factor (TOTP:
 * start with an `otpauth://` URI, confirm with a code). Sign-in and enrolment are open
 * (rate-limited, and sign-in locks out); the rest is about the caller itself.
 */
export const SignInBody = SignInInput.extend({
  /** `cookie`: the console (token in an HttpOnly cookie only); `bearer`: API use (token in the answer) */
  session: z.enum(['bearer', 'cookie']).default('bearer'),
});
export const EnrolBody = z.object({
  token: z.string().regex(/^se1_[A-Za-z0-9_-]{32}$/),
  password: z.string().min(1).max(PASSWORD_MAX),
});
export const PasswordBody = z.object({
  current: z.string().min(1).max(1024),
  password: z.string().min(1).max(PASSWORD_MAX),
});
export const CodeBody = z.object({ code: z.string().regex(/^\d{6}$/) });

/** What the caller is and may do (for the console's menus), for a person or a device. */
export async function whoAmI(ctx: AppContext, a: Actor) {
  const role = a.role && isRole(a.role) ? a.role : undefined;
  return {
    kind: a.kind,
    id: a.id,
    role: a.role ?? null,
    areas: a.areas ?? [],
    channelId: a.channelId ?? null,
    device: a.device ?? null,
    // 'pending' only where the role needs a factor not passed yet (the console then sets it up)
    secondFactor: secondFactorPending(a) ? 'pending' : a.secondFactor ? 'passed' : 'not_applicable',
    permissions: role ? permissionsOf(role) : [],
    account: a.accountId ? accountView(await loadAccount(ctx.platform.db, a.accountId)) : null,
  };
}

const accountOf = (res: Response) => {
  const a = actorOf(res);
  if (!a.accountId) throw notAllowed('sign_in_required', 'this is about a signed-in account; a key has none');
  return a;
};

export function staffAuthRouter(ctx: AppContext): Router {
  const r = Router();
  const p = ctx.platform;
  const d = ctx.auth;
  const own = allow(ctx, null, SELF);
  const ownBefore2fa = allow(ctx, null, SELF, { beforeSecondFactor: true });

  r.post('/sign-in', async (req, res) => {
    const input = parseInput(SignInBody, req.body);
    const s = await signIn(d, input, { address: req.ip ?? 'unknown', userAgent: req.get('user-agent') });
    const body = {
      tokenType: 'Bearer',
      csrfToken: s.csrfToken,
      expiresAt: s.expiresAt.toISOString(),
      idleTimeoutSeconds: Math.round(d.policy.sessionIdleMs / 1000),
      secondFactor: s.secondFactor,
      account: s.account,
    };
    res.setHeader('cache-control', 'no-store');
    if (input.session === 'cookie') {
      res.setHeader('set-cookie', sessionCookie(s.token, Math.round(d.policy.sessionMaxMs / 1000)));
      res.status(201).json({ ...body, token: null });
    } else res.status(201).json({ ...body, token: s.token });
  });

  r.post('/enrol', async (req, res) => {
    const { token, password } = parseInput(EnrolBody, req.body);
    res.json(await enrol(d, token, password));
  });

  r.post('/sign-out', ownBefore2fa, async (_req, res) => {
    const a = accountOf(res);
    await revokeSession(p.db, a, a.accountId!, a.sessionId!, p.clock.now());
    res.setHeader('set-cookie', clearedCookie);
    res.status(204).end();
  });

  r.get('/me', ownBefore2fa, async (_req, res) => {
    res.json(await whoAmI(ctx, actorOf(res)));
  });

  r.get('/sessions', own, async (_req, res) => {
    const a = accountOf(res);
    res.json({ items: await listSessions(p.db, a.accountId!, p.clock.now(), d.policy, a.sessionId) });
  });

  r.delete('/sessions/:sessionId', own, async (req, res) => {
    const a = accountOf(res);
    const { sessionId } = parseInput(
      z.object({ sessionId: z.string().regex(/^[A-Za-z0-9]{12}$/) }),
      req.params,
    );
    await revokeSession(p.db, a, a.accountId!, sessionId, p.clock.now());
    if (sessionId === a.sessionId) res.setHeader('set-cookie', clearedCookie);
    res.status(204).end();
  });

  r.post('/password', own, async (req, res) => {
    await changePassword(d, accountOf(res), parseInput(PasswordBody, req.body));
    res.status(204).end();
  });

  r.post('/totp', ownBefore2fa, async (_req, res) => {
    res.setHeader('cache-control', 'no-store');
    res.status(201).json(await startTotpEnrolment(d, accountOf(res)));
  });

  r.post('/totp/confirm', ownBefore2fa, async (req, res) => {
    const { code } = parseInput(CodeBody, req.body);
    res.json(await confirmTotpEnrolment(d, accountOf(res), code));
  });

  return r;
}
