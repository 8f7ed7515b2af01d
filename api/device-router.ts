import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { DomainError, isDomainError } from '../core/errors.js';
import { splitTarget } from '../core/channels/signature.js';
import { parseInput } from '../core/validation.js';
import { authenticateCounter, CountReport, recordCount, type CounterDevice } from '../core/zones/counters.js';
import type { Platform } from '../core/platform.js';
import type { Feature } from './features.js';
import { requireJsonBody } from './partner-auth.js';

/**
 * The device audience (`/device/v1`, issue 21): people-counting sensors post their
 * counts here. Every request is signed with the sensor's key (`SCENIC-HMAC-SHA256`, the
 * partner scheme: X-Scenic-Key = the sensor id, X-Scenic-Timestamp, X-Scenic-Nonce,
 * X-Scenic-Signature, X-Scenic-Content-SHA256; core/zones/counters.ts). A bad signature,
 * an old timestamp or a replayed nonce is a 401 problem+json naming the reason, and is
 * logged with it. The sensor fixes the area; no route takes one as input.
 *
 *   POST /device/v1/counts   {countId, at, entries, exits} → 202 {recorded, zones}
 *
 * Mounted early: the raw body is what is signed, and sensor keys are not staff keys.
 */
export function deviceRouter(p: Pick<Platform, 'db' | 'redis' | 'vault' | 'clock' | 'log'>): Router {
  const router = Router();
  router.use(express.raw({ type: () => true, limit: '4kb' }));
  router.use(async (req: Request, res: Response, next: NextFunction) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const { path, query } = splitTarget(req.originalUrl);
    try {
      res.locals.counter = await authenticateCounter(
        p.db,
        p.redis,
        p.vault,
        { method: req.method, host: req.headers.host ?? '', path, query, headers: req.headers, body },
        p.clock,
      );
      requireJsonBody(req.method, req.headers['content-type'], body);
      req.body = body.length ? (JSON.parse(body.toString('utf8')) as unknown) : undefined;
    } catch (e) {
      const code = isDomainError(e) ? e.code : e instanceof SyntaxError ? 'malformed_json' : 'internal';
      p.log.warn(
        { counter: String(req.headers['x-scenic-key'] ?? '').slice(0, 64), reason: code, ip: req.ip },
        'people-counter request refused',
      );
      if (e instanceof SyntaxError)
        throw new DomainError('input', 'malformed_json', 'request body is not valid JSON');
      throw e;
    }
    next();
  });
  router.post('/counts', async (req, res) => {
    const report = parseInput(CountReport, req.body);
    const counter = res.locals.counter as CounterDevice;
    res.status(202).json(await recordCount(p.db, counter, report, p.clock));
  });
  return router;
}

export const deviceFeature: Feature = {
  name: 'device',
  early: (app, ctx) => app.use('/device/v1', deviceRouter(ctx.platform)),
};
