import { Redis } from 'ioredis';
import { loadConfig } from '../core/config.js';
import { createDb } from '../core/db/knex.js';
import { createLogger } from '../core/log.js';

/** `scenic worker`: runs every BullMQ processor of this process until SIGTERM. */
export async function main(): Promise<void> {
  const cfg = loadConfig();
  const log = createLogger('worker', cfg.LOG_LEVEL);
  const db = createDb({ url: cfg.DATABASE_URL, schema: cfg.DATABASE_SCHEMA, poolMax: cfg.DATABASE_POOL_MAX });
  const redis = new Redis(cfg.REDIS_URL, { maxRetriesPerRequest: null });
  await redis.ping();
  log.info('worker started');
  await new Promise<void>((resolve) => {
    for (const s of ['SIGTERM', 'SIGINT'] as const) process.once(s, () => resolve());
  });
  await db.destroy();
  redis.disconnect();
}
