import { createServer } from 'node:http';
import { Redis } from 'ioredis';
import { loadConfig } from '../core/config.js';
import { createDb } from '../core/db/knex.js';
import { createLogger } from '../core/log.js';
import { createApp } from './app.js';

/** `scenic api`: serves HTTP until SIGTERM, then drains connections and closes pools. */
export async function main(): Promise<void> {
  const cfg = loadConfig();
  const log = createLogger('api', cfg.LOG_LEVEL);
  const db = createDb({ url: cfg.DATABASE_URL, schema: cfg.DATABASE_SCHEMA, poolMax: cfg.DATABASE_POOL_MAX });
  const redis = new Redis(cfg.REDIS_URL, { keyPrefix: cfg.REDIS_PREFIX, maxRetriesPerRequest: 2 });
  const app = createApp({ db, redis, log });
  const server = createServer(app);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(cfg.PORT, cfg.HOST, resolve));
  const addr = server.address();
  log.info({ addr }, 'api listening');

  const stop = async (signal: string) => {
    log.info({ signal }, 'api shutting down');
    server.close();
    server.closeIdleConnections();
    await db.destroy();
    redis.disconnect();
  };
  await new Promise<void>((resolve) => {
    for (const s of ['SIGTERM', 'SIGINT'] as const) process.once(s, () => void stop(s).then(resolve));
  });
}
