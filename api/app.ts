import express, { type Express } from 'express';
import { pingDb } from '../core/db/knex.js';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Platform } from '../core/platform.js';
import { ApiKeys } from '../core/auth/api-keys.js';
import { VisitorSessions } from '../core/auth/sessions.js';
import { StaffSessions } from '../core/auth/staff-sessions.js';
import { authDeps } from '../core/auth/deps.js';
import { authenticate, type AppContext, type FastLane } from './context.js';
import { notFoundHandler, problemHandler } from './problem.js';
import { visitorRouter } from './routes/visitor.js';
import { adminRouter } from './routes/admin.js';
import { paymentsRouter } from './routes/payments.js';
import { openApiDocument } from './openapi.js';
import { rateLimit, readWriteLimits, writesLimit } from './rate-limit.js';
import { orderLane } from './order-lane.js';
import { trustProxies } from '../core/client-address.js';
import { features } from './features.js';
import { processLoopLag } from './overload.js';
import { otlpExported, UNTRACED_REQUEST } from '../core/telemetry/exported.js';
import { inRequestTrace } from '../core/telemetry/trace.js';

export interface AppOptions {
  /** per-caller request limits; off in tests that race thousands of requests */
  rateLimits?: boolean;
  /** extra routers mounted before the 404 handler (e.g. the gate API) */
  mount?: (app: Express, ctx: AppContext) => void;
  /** what to serve (default: SCENIC_API_ROUTES): everything, or only the partner doors */
  routes?: 'all' | 'partner';
  /** the event-loop lag that decides load shedding (default: this process's; tests set their own) */
  loopLag?: { readonly ms: number };
}

/** The features a partner-only API process mounts (see SCENIC_API_ROUTES). */
const PARTNER_FEATURES = new Set(['metrics', 'sales-channels']);

/** Builds the express application from the platform; no I/O happens here. */
export function createApp(
  platform: Platform,
  opts: AppOptions = {},
): { app: Express; ctx: AppContext; handler: RequestListener } {
  const auth = authDeps(platform);
  const ctx: AppContext = {
    fastLanes: [],
    loopLag: opts.loopLag ?? processLoopLag(),
    platform,
    apiKeys: new ApiKeys(platform.db, () => platform.clock.now().getTime()),
    sessions: new VisitorSessions(platform.cfg.SCENIC_LOOKUP_KEY),
    auth,
    staffSessions: new StaffSessions(platform.db, auth.policy),
  };
  const app = express();
  app.disable('x-powered-by');
  // X-Forwarded-For is believed only from the configured proxies (core/client-address.ts)
  app.set('trust proxy', trustProxies(platform.cfg.SCENIC_TRUSTED_PROXIES));
  app.set('etag', false);

  const routes = opts.routes ?? platform.cfg.SCENIC_API_ROUTES;
  const mounted = routes === 'partner' ? features.filter((f) => PARTNER_FEATURES.has(f.name)) : features;

  // Early features first: the presale hold path is the hottest route of all and
  // should not walk past every other route to be found.
  for (const f of mounted) f.early?.(app, ctx);

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const checks = await Promise.allSettled([pingDb(platform.db), platform.redis.ping()]);
    const [pg, redis] = checks.map((c) => (c.status === 'fulfilled' ? 'ok' : 'down'));
    const ok = pg === 'ok' && redis === 'ok';
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'degraded', postgres: pg, redis });
  });
  const doc = openApiDocument();
  app.get('/v1/openapi.json', (_req, res) => {
    res.json(doc);
  });
  if (routes === 'partner') {
    // partner doors only: everything else is a 404 problem, not a silent fallthrough
    app.use(notFoundHandler);
    app.use(problemHandler(platform.log));
    return { app, ctx, handler: listener(app, ctx) };
  }

  // Payment callbacks need their raw bytes: mounted before the JSON parser.
  app.use('/v1/payments', paymentsRouter(ctx));
  app.use(express.json({ limit: '64kb', strict: true, type: ['application/json', 'application/*+json'] }));
  app.use(authenticate(ctx));
  const limits = opts.rateLimits !== false;
  const now = () => platform.clock.now().getTime();
  // POST /v1/orders for visitors, ahead of the chain below (it does what the chain does)
  ctx.fastLanes.push(
    orderLane(ctx, {
      writes: limits ? writesLimit(platform.cfg.SCENIC_RATE_WRITES_PER_MINUTE, now) : undefined,
    }),
  );
  if (limits) {
    app.use('/v1/auth', rateLimit(platform.redis, { name: 'auth', limit: 10, windowSeconds: 60, now }));
    app.use(
      '/v1',
      readWriteLimits(platform.redis, {
        reads: platform.cfg.SCENIC_RATE_READS_PER_MINUTE,
        writes: platform.cfg.SCENIC_RATE_WRITES_PER_MINUTE,
        now,
      }),
    );
    // on top of the lockout per account and per address (core/auth/sign-in.ts)
    for (const path of ['/v1/staff/sign-in', '/v1/staff/enrol'])
      app.use(path, rateLimit(platform.redis, { name: 'staff-auth', limit: 20, windowSeconds: 60, now }));
  }
  app.use('/v1/admin', adminRouter(ctx));
  app.use('/v1', visitorRouter(ctx));
  for (const f of mounted) f.routes?.(app, ctx);
  opts.mount?.(app, ctx);

  app.use(notFoundHandler);
  app.use(problemHandler(platform.log));
  return { app, ctx, handler: listener(app, ctx) };
}

/**
 * The HTTP server's listener: the few fast lanes (the presale hold path) first, so the
 * hottest request of a presale pays for no generic middleware; express for the rest.
 */
function listener(app: Express, ctx: AppContext): RequestListener {
  const lanes = ctx.fastLanes.map(compileLane);
  const serve = (req: IncomingMessage, res: ServerResponse) => {
    for (const lane of lanes) if (lane(req, res)) return;
    app(req, res);
  };
  // with traces exported the http instrumentation's server span carries the trace
  if (otlpExported(process.env, 'TRACES')) return serve;
  return (req, res) => {
    if (UNTRACED_REQUEST.test(req.url ?? '')) serve(req, res);
    else inRequestTrace(req.headers, req, () => serve(req, res));
  };
}

/** A lane's matcher: its method, and its path with each `:name` standing for one segment. */
function compileLane(lane: FastLane): (req: IncomingMessage, res: ServerResponse) => boolean {
  const names = [...lane.path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
  if (!names.length)
    return (req, res) => {
      if (req.method !== lane.method || req.url !== lane.path) return false;
      if (lane.claims && !lane.claims(req)) return false;
      lane.serve(req, res, {});
      return true;
    };
  const re = new RegExp(`^${lane.path.replace(/:\w+/g, '([^/?]+)')}$`);
  return (req, res) => {
    if (req.method !== lane.method) return false;
    const m = re.exec(req.url ?? '');
    if (!m) return false;
    if (lane.claims && !lane.claims(req)) return false;
    lane.serve(req, res, Object.fromEntries(names.map((n, i) => [n, m[i + 1]!])));
    return true;
  };
}
