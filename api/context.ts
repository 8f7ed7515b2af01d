import type { Request, Response, NextFunction, RequestHandler } from 'express';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Platform } from '../core/platform.js';
import type { ApiKeys } from '../core/auth/api-keys.js';
import type { VisitorSessions } from '../core/auth/sessions.js';
import type { StaffSessions } from '../core/auth/staff-sessions.js';
import type { AuthDeps } from '../core/auth/deps.js';
import { cookieActor } from './staff-credentials.js';
import { notAllowed, unauthenticated } from '../core/errors.js';
import type { Actor } from '../core/orders/model.js';
import type { Permission } from '../core/auth/roles.js';
import { resolveArea, type AreaSource } from './guard-areas.js';
import {
  ALL_AREAS,
  refusal,
  refusalError,
  secondFactorPending,
  type AreaScope,
  type Refusal,
} from '../core/auth/scope.js';

export type { AreaSource } from './guard-areas.js';
export {
  areaInBody,
  areaInQuery,
  areaParam,
  ofAccount,
  ofDeviceKey,
  ofEmergency,
  ofOrder,
  ofRefund,
} from './guard-areas.js';
export { PLATFORM, SELF } from './guard-areas.js';

/**
 * A route the HTTP server answers before express sees the request: no middleware, no
 * router walk (the presale hot paths). Declared by method and path, so the lane claims
 * exactly the route it says it serves (and the OpenAPI route test can list it).
 */
export interface FastLane {
  method: 'GET' | 'POST';
  /** express-style: `:name` is one path segment; a request with a query string is not claimed */
  path: string;
  /**
   * Whether the lane serves this request of its route (from its headers alone); the
   * requests it leaves go to express as before. Default: all of them.
   */
  claims?(req: IncomingMessage): boolean;
  serve(req: IncomingMessage, res: ServerResponse, params: Record<string, string>): void;
}

/** What every router gets: the platform and the authentication services. */
export interface AppContext {
  platform: Platform;
  apiKeys: ApiKeys;
  sessions: VisitorSessions;
  /** people's sessions (console cookie or Bearer `ss1_…`) */
  staffSessions: StaffSessions;
  /** what account, session and key operations need */
  auth: AuthDeps;
  /** records one request in the HTTP metrics (set by the metrics feature) */
  observeRequest?: (method: string, route: string, status: number, seconds: number) => void;
  /** counts a visitor in the online-users gauge (set by the metrics feature; the fast lanes
   * pass the express middleware that notes everyone else) */
  noteVisitor?: (identity: string) => void;
  /** routes the HTTP server serves ahead of express (see createApp's `handler`) */
  fastLanes: FastLane[];
  /** this process's event-loop lag, which decides load shedding (api/overload.ts) */
  loopLag: { readonly ms: number };
}

/**
 * Resolves the caller: `Authorization: Bearer …` with an `sk_…` API key (staff, devices,
 * partners), an `ss1_…` staff session or a `vs1.…` visitor session; or, on the staff and
 * admin paths, the console's session cookie (api/staff-credentials.ts: then every unsafe
 * method needs the session's CSRF token). No credential = anonymous (allowed to buy; an order is then reached with its access token).
 */
export function authenticate(ctx: AppContext): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const h = req.headers.authorization;
    if (!h) {
      const staff = await cookieActor(ctx, req, res);
      if (staff) res.locals.actor = staff;
      return next();
    }
    const m = /^Bearer\s+(\S+)$/i.exec(h);
    if (!m) return next(unauthenticated('bad_credentials', 'Authorization must be "Bearer <token>"'));
    const token = m[1]!;
    const now = ctx.platform.clock.now();
    if (token.startsWith('sk_')) res.locals.actor = await ctx.apiKeys.authenticate(token);
    else if (token.startsWith('ss1_')) res.locals.actor = await ctx.staffSessions.authenticate(token, now);
    else if (token.startsWith('vs1.'))
      res.locals.actor = { kind: 'visitor', id: ctx.sessions.verify(token, now) } satisfies Actor;
    else return next(unauthenticated('bad_credentials', 'unknown credential type'));
    next();
  };
}

/** The caller; anonymous visitors are `visitor:anonymous`. */
export function actorOf(res: Response): Actor {
  return (res.locals.actor as Actor | undefined) ?? { kind: 'visitor', id: 'anonymous' };
}

/** What a staff route checks, attached to its guard so the route-scope test can read it. */
export interface GuardSpec {
  /** the permission it needs; null = any signed-in staff actor acting on itself */
  permission: Permission | null;
  /** where the area of what it touches comes from */
  area: AreaSource;
  /** the route also serves visitors and partners (who pass through to its own checks) */
  visitors?: boolean;
  /** allowed before a required second factor is passed (sign-out, TOTP enrolment) */
  beforeSecondFactor?: boolean;
}

export const GUARD = Symbol.for('scenic.guard');
export type GuardedHandler = RequestHandler & { readonly [GUARD]: GuardSpec };

/** The guard spec of a handler in a route's stack, if it is a guard. */
export function guardOf(handler: unknown): GuardSpec | undefined {
  return typeof handler === 'function' ? (handler as Partial<GuardedHandler>)[GUARD] : undefined;
}

/**
 * The guard of a staff or admin route: checks the caller's role has `permission`, its
 * second factor if its role needs one, and that it acts for the area of what the route
 * touches (`area`: the route's `:areaId`, a body or query field, or the area of the
 * order, emergency session, account or device key the route names — those are loaded
 * and left in `res.locals`). Outside its areas a caller gets 403 `area_not_in_scope`, or
 * 404 for a resource named by id (which reveals nothing).
 */
export function allow(
  ctx: AppContext,
  permission: Permission | null,
  area: AreaSource,
  opts: Pick<GuardSpec, 'visitors' | 'beforeSecondFactor'> = {},
): GuardedHandler {
  const spec: GuardSpec = { permission, area, ...opts };
  const handler: RequestHandler = (req, res, next) => {
    const a = res.locals.actor as Actor | undefined;
    if (spec.visitors && (!a || a.kind === 'visitor' || a.kind === 'partner')) return next();
    // a console cookie that did not verify: say why (expired, revoked) rather than "sign in"
    if (!a && res.locals.credentialProblem) return next(res.locals.credentialProblem);
    if (permission === null) return self(a, spec, next);
    resolveArea(ctx, area, req, res).then((where) => {
      if ('error' in where) return next(where.error);
      const r = firstRefusal(a, permission, where.areas);
      if (!r || (r === 'second_factor_required' && spec.beforeSecondFactor)) return next();
      const outside = r === 'area_not_in_scope' || r === 'all_areas_required';
      next(outside && where.hidden ? where.hidden : refusalError(r, permission));
    }, next);
  };
  return Object.assign(handler, { [GUARD]: spec });
}

/** The first refusal over every area a request touches (none: the permission alone). */
function firstRefusal(a: Actor | undefined, p: Permission, areas: AreaScope | null): Refusal | undefined {
  if (areas === null || areas === ALL_AREAS) return refusal(a, p, areas);
  if (!areas.length) return refusal(a, p, null);
  for (const id of areas) {
    const r = refusal(a, p, id);
    if (r) return r;
  }
  return undefined;
}

/** Routes about the caller itself: any staff actor; a session before its second factor only where allowed. */
function self(a: Actor | undefined, spec: GuardSpec, next: NextFunction): void {
  if (!a || (a.kind === 'visitor' && a.id === 'anonymous'))
    return next(refusalError('authentication_required'));
  if (a.kind !== 'staff') return next(refusalError('permission_denied'));
  if (secondFactorPending(a) && !spec.beforeSecondFactor) return next(refusalError('second_factor_required'));
  next();
}

/**
 * Platform-admin-only: `requireRole('admin')` is the guard `allow(…, 'system.operate', PLATFORM)`
 * in effect (the admin acts for every area). Prefer `allow` with the route's own
 * permission. With other roles it checks the role only and carries no area check, so the
 * route-scope test (tests/api/route-scope.test.ts) fails on a route that uses it.
 * @deprecated use {@link allow}
 */
export function requireRole(...roles: NonNullable<Actor['role']>[]): RequestHandler {
  const handler: RequestHandler = (_req, res, next) => {
    const a = res.locals.actor as Actor | undefined;
    if (!a) return next(unauthenticated('authentication_required', 'this endpoint needs staff credentials'));
    if (!a.role || !roles.includes(a.role))
      return next(notAllowed('role_not_allowed', `needs one of: ${roles.join(', ')}`));
    if (roles.length === 1 && roles[0] === 'admin' && a.areas !== ALL_AREAS)
      return next(refusalError('all_areas_required'));
    if (secondFactorPending(a)) return next(refusalError('second_factor_required'));
    next();
  };
  if (roles.length !== 1 || roles[0] !== 'admin') return handler;
  const spec: GuardSpec = { permission: 'system.operate', area: { from: 'platform' } };
  return Object.assign(handler, { [GUARD]: spec });
}
