import { loadConfig } from '../core/config.js';
import { createDb } from '../core/db/knex.js';
import { migrateLatest } from '../core/db/migrate.js';
import { createLogger } from '../core/log.js';

/**
 * `scenic demo`: migrates, then runs the API and the workers in this one process on
 * local defaults and prints where to look. For a real deployment run each role as
 * its own process (`scenic api`, `scenic worker`, ...).
 */
export async function main(_argv: string[]): Promise<number> {
  process.env.HOST ??= '127.0.0.1';
  process.env.PORT ??= '8080';
  const cfg = loadConfig();
  const log = createLogger('demo', cfg.LOG_LEVEL);
  const db = createDb({ url: cfg.DATABASE_URL, schema: cfg.DATABASE_SCHEMA, poolMax: 2 });
  await migrateLatest(db, cfg.DATABASE_SCHEMA);
  await db.destroy();
  const base = `http://${cfg.HOST}:${cfg.PORT}`;
  setTimeout(() => {
    console.log(`\nScenic demo is up:\n  API        ${base}/healthz  ${base}/readyz\n\nCtrl-C stops it.\n`);
  }, 500).unref();
  log.info('starting api and workers');
  await Promise.all([import('../api/main.js').then((m) => m.main()), import('../workers/main.js').then((m) => m.main())]);
  return 0;
}
