import express, { type Express, type Request, type Response, type NextFunction } from 'express';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { DomainError } from '../core/errors.js';
import type { Feature } from './features.js';
import { allow, type AppContext } from './context.js';

/**
 * The web pages (web/, built by `npm run build:web`): the visitor booking page at `/`
 * (with SPA fallback for its client-side paths) and the staff handheld page at
 * `/staff`, the crowd screen at `/screen` (its data: api/screen.ts) and the back-office
 * console at `/admin` (web/src/console). Hashed assets are cached for a year; pages and the service worker are
 * revalidated every time so a deploy reaches phones at once.
 *
 * `/staff/agent/{scan,health}` relays the handheld's scans to the gate agent of its
 * entrance (`SCENIC_WEB_GATE_AGENT_URL`, e.g. http://127.0.0.1:8090) for staff keys
 * only: the agent's local API has no authentication of its own and no CORS, so the
 * page cannot call it from another origin. See web/README.md (Staff page).
 *
 * Environment (read when a request arrives, so tests may set it late):
 *  - SCENIC_WEB_DIST: the built files (default: web/dist next to this module's tree);
 *  - SCENIC_WEB_AREA: the area the visitor page sells when the URL names none;
 *  - SCENIC_WEB_GATE_AGENT_URL: the gate agent the staff page talks to;
 *  - SCENIC_WEB_GATE_AGENT_AREA: that agent's area: only staff of that area (with
 *    `gate.scan`) use the relay; unset, only staff of every area do.
 */
const DEFAULT_DIST = fileURLToPath(new URL('../web/dist', import.meta.url));
const distDir = () => process.env.SCENIC_WEB_DIST ?? DEFAULT_DIST;
const AREA_RE = /^[a-z0-9][a-z0-9:_-]{0,62}$/;

const CSP = [
  "default-src 'self'",
  // the staff page may be pointed at a gate agent on the lane network
  "connect-src 'self' http: https:",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "style-src 'self' 'unsafe-inline'",
  "script-src 'self'",
  "worker-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
].join('; ');

const MISSING = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Web pages not built</title></head>
<body style="font-family:system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a">
<h1>The web pages are not built</h1><p>网页尚未构建。Run <code>npm run build:web</code> (or <code>npm run build</code>) and reload.</p>
<p>The API itself is up: <a href="/v1/openapi.json">/v1/openapi.json</a>.</p></body></html>`;

/** index.html / staff.html / screen.html / console.html, read again only when a new build replaced them. */
type PageName = 'index.html' | 'staff.html' | 'screen.html' | 'console.html';
const pages = new Map<string, { mtimeMs: number; html: string }>();
function page(name: PageName): string | undefined {
  const file = join(distDir(), name);
  if (!existsSync(file)) return undefined;
  const { mtimeMs } = statSync(file);
  let hit = pages.get(file);
  if (!hit || hit.mtimeMs !== mtimeMs) {
    const area = process.env.SCENIC_WEB_AREA;
    let html = readFileSync(file, 'utf8');
    if (area && AREA_RE.test(area))
      html = html.replace(/(<meta name="scenic-area" content=")[^"]*(")/, `$1${area}$2`);
    hit = { mtimeMs, html };
    pages.set(file, hit);
  }
  return hit.html;
}

function sendPage(res: Response, name: PageName): void {
  const html = page(name);
  res.setHeader('cache-control', 'no-cache');
  res.setHeader('x-content-type-options', 'nosniff');
  if (!html) {
    res.status(503).setHeader('retry-after', '30');
    res.type('html').send(MISSING);
    return;
  }
  res.setHeader('content-security-policy', CSP);
  res.setHeader('referrer-policy', 'same-origin');
  res.type('html').send(html);
}

/** Paths that belong to the API (never answered with the SPA's index.html). */
const API_PATHS = /^\/(v1|gate|admin|metrics|healthz|readyz|screen\/v1)(\/|$)/;

async function relay(req: Request, res: Response, path: '/scan' | '/health'): Promise<void> {
  const base = process.env.SCENIC_WEB_GATE_AGENT_URL;
  if (!base)
    throw new DomainError(
      'unavailable',
      'gate_agent_not_configured',
      'no gate agent is configured for this server (SCENIC_WEB_GATE_AGENT_URL)',
    );
  let upstream: globalThis.Response;
  try {
    upstream = await fetch(`${base.replace(/\/+$/, '')}${path}`, {
      method: req.method,
      headers: path === '/scan' ? { 'content-type': 'application/json' } : {},
      body: path === '/scan' ? JSON.stringify(req.body ?? {}) : undefined,
      signal: AbortSignal.timeout(3_000),
    });
  } catch {
    throw new DomainError(
      'unavailable',
      'gate_agent_unreachable',
      'the gate agent did not answer; use the staffed lane',
    );
  }
  res
    .status(upstream.status)
    .type(upstream.headers.get('content-type') ?? 'application/json')
    .send(Buffer.from(await upstream.arrayBuffer()));
}

export function mountWeb(app: Express, ctx: AppContext): void {
  // the relay's gate agent belongs to one area (SCENIC_WEB_GATE_AGENT_AREA; unset: platform admins only)
  const staffOnly = allow(ctx, 'gate.scan', { from: 'env', name: 'SCENIC_WEB_GATE_AGENT_AREA' });
  app.post('/staff/agent/scan', staffOnly, (req, res, next) => void relay(req, res, '/scan').catch(next));
  app.get('/staff/agent/health', staffOnly, (req, res, next) => void relay(req, res, '/health').catch(next));

  // Hashed file names: safe to cache for a year.
  app.use('/assets', (req, res, next) =>
    express.static(join(distDir(), 'assets'), {
      immutable: true,
      maxAge: '365d',
      index: false,
      fallthrough: true,
    })(req, res, next),
  );
  app.get('/sw.js', (req, res, next) => {
    const file = join(distDir(), 'sw.js');
    if (!existsSync(file)) return next();
    res.setHeader('cache-control', 'no-cache');
    res.setHeader('service-worker-allowed', '/');
    res.sendFile(file);
  });
  app.get(['/staff', '/staff/'], (_req, res) => sendPage(res, 'staff.html'));
  app.get('/staff.html', (_req, res) => res.redirect(301, '/staff'));
  app.get(['/screen', '/screen/'], (_req, res) => sendPage(res, 'screen.html'));
  app.get('/screen.html', (_req, res) => res.redirect(301, '/screen'));
  // the back-office console (its API: /v1/staff, /v1/admin, /v1/cs; /admin/queues stays the queues UI)
  app.get(['/admin', '/admin/'], (_req, res) => sendPage(res, 'console.html'));
  app.get('/console.html', (_req, res) => res.redirect(301, '/admin'));
  app.get('/index.html', (_req, res) => res.redirect(301, '/'));
  // Client-side paths of the visitor page (/, /orders, /orders/<id>): index.html.
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    if (
      API_PATHS.test(req.path) ||
      req.path.startsWith('/staff/') ||
      req.path.startsWith('/assets/') ||
      /\.[a-z0-9]+$/i.test(req.path)
    )
      return next();
    if (!req.accepts('html')) return next();
    sendPage(res, 'index.html');
  });
}

export const web: Feature = { name: 'web', routes: (app, ctx) => mountWeb(app, ctx) };
