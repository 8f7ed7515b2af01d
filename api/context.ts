import type { Request, Response, NextFunction, RequestHandler } from 'express';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Platform } from '../core/platform.js';
import type { ApiKeys } from '../core/auth/api-keys.js';
import type { VisitorSessions } from '../core/auth/sessions.js';
import { notAllowed, unauthenticated } from '../core/errors.js';
import type { Actor } from '../core/orders/model.js';

/**
 * A route the HTTP server answers before express sees the request: no middleware, no
 * router walk (the presale hot paths). Declared by method and path, so the lane claims
 * exactly the route it says it serves (and the OpenAPI route test can list it).
 */
export interface FastLane {
  method: 'GET' | 'POST';
  /** express-style: `:name` is one path segment; a request with a query string is not claimed */
  path: string;
  serve(req: IncomingMessage, res: ServerResponse, params: Record<string, string>): void;
}

/** What every router gets: the platform and the authentication services. */
export interface AppContext {
  platform: Platform;
  apiKeys: ApiKeys;
  sessions: VisitorSessions;
  /** records one request in the HTTP metrics (set by the metrics feature) */
  observeRequest?: (method: string, route: string, status: number, seconds: number) => void;
  /** routes the HTTP server serves ahead of express (see createApp's `handler`) */
  fastLanes: FastLane[];
  /** this process's event-loop lag, which decides load shedding (api/overload.ts) */
  loopLag: { readonly ms: number };
}

/**
 * Resolves the caller from `Authorization: Bearer …`: `sk_…` API keys (staff, devices,
 * partners) or `vs1.…` visitor sessions. No header = anonymous (allowed to buy; an
 * order is then reached with its access token).
 */
export function authenticate(ctx: AppContext): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const h = req.headers.authorization;
    if (!h) return next();
    const m = /^Bearer\s+(\S+)$/i.exec(h);
    if (!m) return next(unauthenticated('bad_credentials', 'Authorization must be "Bearer <token>"'));
    const token = m[1]!;
    if (token.startsWith('sk_')) res.locals.actor = await ctx.apiKeys.authenticate(token);
    else if (token.startsWith('vs1.'))
      res.locals.actor = {
        kind: 'visitor',
        id: ctx.sessions.verify(token, ctx.platform.clock.now()),
      } satisfies Actor;
    else return next(unauthenticated('bad_credentials', 'unknown credential type'));
    next();
  };
}

/** The caller; anonymous visitors are `visitor:anonymous`. */
export function actorOf(res: Response): Actor {
  return (res.locals.actor as Actor | undefined) ?? { kind: 'visitor', id: 'anonymous' };
}

export function requireRole(...roles: NonNullable<Actor['role']>[]): RequestHandler {
  return (_req, res, next) => {
    const a = res.locals.actor as Actor | undefined;
    if (!a) return next(unauthenticated('authentication_required', 'this endpoint needs staff credentials'));
    if (!a.role || !roles.includes(a.role))
      return next(notAllowed('role_not_allowed', `needs one of: ${roles.join(', ')}`));
    next();
  };
}
