import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Express, Request, Response, NextFunction } from 'express';
import { Queue } from 'bullmq';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { unauthenticated } from '../core/errors.js';
import { currentTelemetry, startTelemetry, type Telemetry } from '../core/telemetry/sdk.js';
import { loadTelemetryConfig, type TelemetryConfig } from '../core/telemetry/config.js';
import { orderOutcomeRecorder, recordPaymentEvents } from '../core/telemetry/business.js';
import { probeDependencies } from '../core/telemetry/collectors.js';
import { OnlineUsers } from '../core/telemetry/online-users.js';
import type { Platform } from '../core/platform.js';
import { QUEUES, bullPrefix } from '../workers/queues.js';
import { PLATFORM, allow, type AppContext } from './context.js';
import type { Feature } from './features.js';

/**
 * Observability of the API:
 *  - `GET /metrics`: Prometheus text of the API role (request latency per route, sales
 *    counters, online users, Redis/Postgres latency), only behind the bearer token
 *    SCENIC_METRICS_TOKEN: the API port is public, and revenue, sales per channel and
 *    online users are nobody else's business. Without a token the route does not exist;
 *  - request timing for every route mounted after the early phase, and the visitor
 *    identities behind "online users";
 *  - `/admin/queues`: bull-board over every BullMQ queue, for admins only (Bearer API
 *    key, or HTTP Basic with the API key as password so a browser can open it).
 */

const bound = new WeakMap<Platform, Telemetry>();

/** Attaches this process's telemetry to a platform once (order counters, probes, online users). */
export function bindTelemetry(
  p: Platform,
  cfg: TelemetryConfig = loadTelemetryConfig(),
): { telemetry: Telemetry; online: OnlineUsers } {
  const t =
    currentTelemetry() ??
    startTelemetry({
      role: 'api',
      onError: (source, err) => p.log.warn({ source, err }, 'metrics collection failed'),
    });
  const online = new OnlineUsers(p.redis, p.clock, cfg.SCENIC_ONLINE_WINDOW_MINUTES);
  if (!bound.has(p)) {
    bound.set(p, t);
    if (t.metrics.has('scenic_tickets_held_total') || t.metrics.has('scenic_tickets_sold_total')) {
      const record = orderOutcomeRecorder(t.metrics);
      const prev = p.orders.onOutcome;
      p.orders.onOutcome = (e) => {
        prev?.(e);
        record(e);
      };
    }
    recordPaymentEvents(p.orders, t.metrics);
    if (t.metrics.has('scenic_dependency_latency_seconds')) probeDependencies(t.metrics, p);
    if (t.metrics.has('scenic_online_users')) {
      online.start();
      t.metrics.collect('online-users', async () => [
        { name: 'scenic_online_users', labels: {}, value: await online.count() },
      ]);
    }
  }
  return { telemetry: t, online };
}

const UUIDISH = /^[0-9a-f]{8}-[0-9a-f]{4}-|^[0-9]+$|^[A-Za-z0-9_-]{22,}$/;

/** A bounded route label: the matched route template, or the path with ids replaced. */
export function routeLabel(req: Request, status: number): string {
  const route = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof route === 'string') return `${req.baseUrl}${route}`.slice(0, 120);
  if (status === 404) return 'unmatched';
  const segs = req.path.split('/').slice(0, 6);
  return segs.map((s) => (UUIDISH.test(s) ? ':id' : s.slice(0, 40))).join('/') || '/';
}

function visitorIdentity(req: Request): string | undefined {
  if (!req.path.startsWith('/v1/') || req.path.startsWith('/v1/admin')) return undefined;
  return visitorOf(req.headers, req.ip ?? '');
}

/** Who a visitor's request is for the online-users gauge (the order lane counts with it too). */
export function visitorOf(headers: IncomingHttpHeaders, ip: string): string {
  const auth = headers.authorization;
  if (auth) return auth;
  const token = headers['x-order-token'];
  if (typeof token === 'string') return `order:${token}`;
  return `anon:${ip}|${headers['user-agent'] ?? ''}`;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export const metricsFeature: Feature = {
  name: 'metrics',
  early(app: Express, ctx: AppContext) {
    const cfg = loadTelemetryConfig();
    const { telemetry, online } = bindTelemetry(ctx.platform, cfg);
    const m = telemetry.metrics;
    ctx.observeRequest = (method, route, status, seconds) =>
      m.observe('scenic_http_request_duration_seconds', seconds, { method, route, status_code: status });
    ctx.noteVisitor = (identity) => online.note(identity);
    const token = cfg.SCENIC_METRICS_TOKEN;
    // closed unless a scrape token is configured: no token, no route (a 404 like any other)
    if (token)
      app.get('/metrics', (req, res, next) => {
        if (!sameSecret(req.headers.authorization ?? '', `Bearer ${token}`))
          return next(unauthenticated('bad_credentials', 'metrics need the scrape token'));
        telemetry.render().then(
          (text) => res.type('text/plain; version=0.0.4; charset=utf-8').send(text),
          (e: unknown) => next(e),
        );
      });
    app.use((req: Request, res: Response, next: NextFunction) => {
      const t0 = performance.now();
      const who = visitorIdentity(req);
      if (who) online.note(who);
      res.once('finish', () => {
        m.observe('scenic_http_request_duration_seconds', (performance.now() - t0) / 1000, {
          method: req.method,
          route: routeLabel(req, res.statusCode),
          status_code: res.statusCode,
        });
      });
      next();
    });
  },
};

const BASE = '/admin/queues';

/** Queues of this deployment as bull-board sees them (one connection for all). */
function boardQueues(p: Platform): Queue[] {
  const connection = p.connectRedis({ prefixed: false, forQueues: true });
  return Object.values(QUEUES).map((name) => new Queue(name, { connection, prefix: bullPrefix(p) }));
}

export const queuesFeature: Feature = {
  name: 'queues',
  early(app) {
    // A browser can only send Basic credentials: the API key is the password.
    app.use(BASE, (req, res, next) => {
      const m = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
      if (m) {
        const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
        req.headers.authorization = `Bearer ${decoded.slice(decoded.indexOf(':') + 1)}`;
      }
      res.setHeader('WWW-Authenticate', 'Basic realm="Scenic admin", charset="UTF-8"');
      next();
    });
  },
  routes(app, ctx) {
    const adapter = new ExpressAdapter();
    adapter.setBasePath(BASE);
    let mounted = false;
    const router = adapter.getRouter() as (req: Request, res: Response, next: NextFunction) => void;
    app.use(BASE, allow(ctx, 'system.operate', PLATFORM), (req, res, next) => {
      // queues connect to Redis on first use, not when the app is built
      if (!mounted) {
        // @bull-board/express ships a nested copy of @bull-board/api one patch release
        // apart: the same adapter at run time, two declarations for TypeScript.
        const serverAdapter = adapter as unknown as Parameters<typeof createBullBoard>[0]['serverAdapter'];
        createBullBoard({
          queues: boardQueues(ctx.platform).map((q) => new BullMQAdapter(q)),
          serverAdapter,
          options: { uiConfig: { boardTitle: 'Scenic queues' } },
        });
        mounted = true;
      }
      res.removeHeader('WWW-Authenticate');
      router(req, res, next);
    });
  },
};
