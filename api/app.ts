import express, { type Express } from 'express';
import type { Knex } from 'knex';
import type { Redis } from 'ioredis';
import type { Logger } from '../core/log.js';
import { notFoundHandler, problemHandler } from './problem.js';

export interface ApiDeps {
  db: Knex;
  redis: Redis;
  log: Logger;
}

/** Builds the express application from its dependencies; no I/O happens here. */
export function createApp(deps: ApiDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const checks = await Promise.allSettled([deps.db.raw('select 1'), deps.redis.ping()]);
    const [pg, redis] = checks.map((c) => (c.status === 'fulfilled' ? 'ok' : 'down'));
    const ok = pg === 'ok' && redis === 'ok';
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'degraded', postgres: pg, redis });
  });

  app.use(notFoundHandler);
  app.use(problemHandler(deps.log));
  return app;
}
