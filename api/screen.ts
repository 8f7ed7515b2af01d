import { Router, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { isDomainError } from '../core/errors.js';
import { parseInput } from '../core/validation.js';
import { checkScreenAccess, loadScreenAccess, type ScreenAccess } from '../core/screen/access.js';
import { ScreenFeed } from '../core/screen/feed.js';
import { readScreen, type ScreenDeps } from '../core/screen/snapshot.js';
import type { Platform } from '../core/platform.js';
import type { Feature } from './features.js';

/**
 * The crowd screen's data (issue 21), read by the wall display at `/screen` (web/):
 *
 *   GET /screen/v1/areas/:areaId          the area's snapshot today (JSON)
 *   GET /screen/v1/areas/:areaId/events   server-sent events: `snapshot` at once, then on
 *                                         every change (read every 500 ms, core/screen/feed.ts)
 *
 * Open to callers on SCENIC_SCREEN_TRUSTED_NETWORKS, or presenting a screen token
 * (`Authorization: Bearer scr_…`) whose SHA-256 is in SCENIC_SCREEN_TOKEN_SHA256; closed
 * (403 `screen_closed`) when neither is configured. The caller's address is Express's
 * `req.ip` (`trust proxy` is loopback: a local reverse proxy's X-Forwarded-For counts).
 * Mounted early: screen tokens are not staff keys, the app-wide authentication never sees them.
 */
const Params = z.object({ areaId: z.string().regex(/^[a-z0-9][a-z0-9:_-]{0,62}$/, 'must be an area id') });

/** A comment line every 15 s keeps proxies and the browser from timing the stream out. */
const KEEPALIVE_MS = 15_000;

const bearer = (req: Request): string | undefined => {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return m?.[1];
};

export function screenRouter(d: ScreenDeps, access: ScreenAccess, feed: ScreenFeed): Router {
  const router = Router();
  const allow = (req: Request, _res: Response, next: NextFunction) => {
    checkScreenAccess(access, { ip: req.ip, token: bearer(req) });
    next();
  };
  router.get('/areas/:areaId', allow, async (req, res) => {
    const { areaId } = parseInput(Params, req.params, 'invalid_input');
    res.setHeader('cache-control', 'no-store');
    res.json(await readScreen(d, areaId));
  });
  router.get('/areas/:areaId/events', allow, async (req, res) => {
    const { areaId } = parseInput(Params, req.params, 'invalid_input');
    await readScreen(d, areaId); // an unknown area is a 404 problem, not an empty stream
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
    });
    res.write('retry: 2000\n\n');
    const stop = feed.watch(areaId, {
      send: (s) => res.write(`event: snapshot\ndata: ${JSON.stringify(s)}\n\n`),
      fail: (err) =>
        res.write(
          `event: problem\ndata: ${JSON.stringify({ code: isDomainError(err) ? err.code : 'internal' })}\n\n`,
        ),
    });
    const beat = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
    beat.unref();
    req.on('close', () => {
      clearInterval(beat);
      stop();
    });
  });
  return router;
}

function mount(p: Platform) {
  const d: ScreenDeps = { db: p.db, inventory: p.inventory, clock: p.clock };
  return screenRouter(d, loadScreenAccess(process.env), new ScreenFeed((a) => readScreen(d, a)));
}

export const screenFeature: Feature = {
  name: 'screen',
  early: (app, ctx) => app.use('/screen/v1', mount(ctx.platform)),
};
