/**
 * What the order benches (bench:orders, bench:paid, the N-process runs) share: a schema and
 * key prefix of their own, an area with stock no run exhausts, the API's environment, and
 * one distinct valid resident ID number per order.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Knex } from 'knex';
import type { Redis } from 'ioredis';
import { createDb } from '../core/db/knex.js';
import { migrateLatest } from '../core/db/migrate.js';
import { upsertArea, upsertChannels } from '../core/catalog/catalog.js';
import { DEFAULT_CHANNELS } from '../core/catalog/definition.js';
import { demoArea } from '../core/catalog/demo.js';
import type { DayPlan } from '../core/inventory/inventory.js';
import { invKeys } from '../core/inventory/keys.js';
import { residentIdCheckChar } from '../core/pii/id-number.js';
import { addDays, localParts } from '../core/time.js';

export const AREA = 'bench-orders';

/**
 * Where a bench's Postgres and Redis are. `durable`: the benches' own
 * (scripts/bench-services.sh: fsync=on, synchronous_commit=on, what production runs);
 * otherwise DATABASE_URL/REDIS_URL (the dev settings, fsync=off). `bench` names the
 * command in the message a missing variable prints.
 */
export function benchServices(durable: boolean, bench: string): { db: string; redis: string } {
  if (durable) {
    const up = spawnSync('bash', ['scripts/bench-services.sh', 'up'], {
      cwd: fileURLToPath(new URL('../', import.meta.url)),
      encoding: 'utf8',
    });
    if (up.status !== 0) throw new Error(`scripts/bench-services.sh up failed: ${up.stderr}`);
    const e = Object.fromEntries([...up.stdout.matchAll(/export (\w+)=(\S+)/g)].map((m) => [m[1]!, m[2]!]));
    return { db: e.BENCH_DATABASE_URL!, redis: e.BENCH_REDIS_URL! };
  }
  if (!process.env.DATABASE_URL || !process.env.REDIS_URL) {
    console.error(
      `${bench} needs DATABASE_URL and REDIS_URL: \`source /var/tmp/scenic/env\` (or its durable mode).`,
    );
    process.exit(2);
  }
  return { db: process.env.DATABASE_URL, redis: process.env.REDIS_URL };
}
/** stock far beyond any run: the benches measure the order path, not sold-out answers */
export const STOCK = 10_000_000;
export const DATE = addDays(localParts(new Date(), 'Asia/Shanghai').date, 30);

export interface Fixture {
  schema: string;
  prefix: string;
  db: Knex;
  /** the API's environment (no secret is reused across runs: keys are made here) */
  env: NodeJS.ProcessEnv;
  /** what the baselines reserve against: the area's plan */
  plan: DayPlan;
}

/** A fresh schema (migrated, channels and the bench area seeded) and key prefix on `db`/`redis` URLs. */
export async function orderFixture(dbUrl: string, redisUrl: string): Promise<Fixture> {
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const prefix = `bench:${randomBytes(4).toString('hex')}:`;
  const db = createDb({ url: dbUrl, schema, poolMax: 4 });
  await migrateLatest(db, schema);
  await upsertChannels(db, DEFAULT_CHANNELS);
  await upsertArea(
    db,
    demoArea({
      id: AREA,
      dailyCapacity: STOCK,
      instantCapacity: STOCK,
      slots: [{ id: '0900', startsAt: '09:00', endsAt: '10:00', capacity: STOCK }],
      quotas: [],
    }),
  );
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: dbUrl,
    REDIS_URL: redisUrl,
    DATABASE_SCHEMA: schema,
    REDIS_PREFIX: prefix,
    SCENIC_PII_KEY: randomBytes(32).toString('base64'),
    SCENIC_LOOKUP_KEY: randomBytes(24).toString('hex'),
    SCENIC_RATE_WRITES_PER_MINUTE: '1000000',
    SCENIC_RATE_READS_PER_MINUTE: '1000000',
    SCENIC_ANON_HELD_UNITS: '1000000',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
  };
  // the bench's Redis is `redisUrl`: a cluster the shell's environment names (make ha) is not
  delete env.REDIS_CLUSTER_NODES;
  delete env.REDIS_CLUSTER_FAILOVER_NODES;
  const plan: DayPlan = {
    capacity: STOCK,
    thresholds: { yellow: 70, orange: 85, red: 100 },
    idLimit: 5,
    hysteresisPercent: 2,
    slots: { '0900': STOCK },
    quotas: {},
  };
  return { schema, prefix, db, env, plan };
}

/** Drops the fixture's schema and keys. */
export async function dropFixture(f: Fixture, redis: Redis): Promise<void> {
  await f.db.raw('drop schema if exists ?? cascade', [f.schema]).catch(() => undefined);
  await f.db.destroy();
  await dropKeys(redis, f.prefix);
}

/**
 * Unlinks a run's keys: its prefix's, and its queues' (`{<prefix>bull}:…`, hash-tagged:
 * workers/queues.ts `bullPrefix`). The queues' were left behind before: a hold-expiry job
 * per order, 200 k a long bench:orders run, and each later run's Redis was larger and
 * slower for them (2 GB after seven runs).
 */
export async function dropKeys(redis: Redis, prefix: string): Promise<void> {
  for (const match of [`${prefix}*`, `{${prefix}bull}*`]) {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 5000);
      cursor = next;
      if (keys.length) await redis.unlink(...keys);
    } while (cursor !== '0');
  }
}

/** Units Redis holds for the bench slot's day (what `oversold` compares with the books). */
export async function unitsUsed(redis: Redis, f: Fixture): Promise<number> {
  return Number((await redis.hget(`${f.prefix}${invKeys(AREA, DATE).day}`, 'used')) ?? 0);
}

let person = 0;
/** A distinct valid resident ID number per order: 1,000 sequence numbers per birth date. */
export function nextId(): string {
  const n = person++;
  const birth = new Date(Date.UTC(1950, 0, 1) + Math.floor(n / 1000) * 86_400_000);
  const first17 = `330106${birth.toISOString().slice(0, 10).replaceAll('-', '')}${String(n % 1000).padStart(3, '0')}`;
  return first17 + residentIdCheckChar(first17);
}

/** One order of one real-name adult ticket. */
export const orderBody = () =>
  JSON.stringify({
    areaId: AREA,
    date: DATE,
    slotId: '0900',
    items: [{ productId: 'adult', visitors: [{ name: '张三', idNumber: nextId() }] }],
  });
