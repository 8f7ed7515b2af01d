import { afterAll, beforeAll } from 'vitest';
import { Redis } from 'ioredis';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { freePort } from './processes.js';
import { redisUrl, uniqueSuffix } from './services.js';

export interface TestRedis {
  redis: Redis;
  url: string;
  prefix: string;
  /** Another connection with the same prefix (pub/sub, blocking calls). */
  connect(): Redis;
}

/** A Redis connection whose keys all carry this file's own prefix; cleaned up after the file. */
export function useRedis(): TestRedis {
  const ctx = {} as TestRedis;
  const extra: Redis[] = [];
  beforeAll(async () => {
    ctx.url = await redisUrl();
    ctx.prefix = `t:${uniqueSuffix()}:`;
    ctx.connect = () => {
      const r = new Redis(ctx.url, { keyPrefix: ctx.prefix, maxRetriesPerRequest: 2 });
      extra.push(r);
      return r;
    };
    ctx.redis = new Redis(ctx.url, { keyPrefix: ctx.prefix, maxRetriesPerRequest: 2 });
    await ctx.redis.ping();
  });
  afterAll(async () => {
    if (!ctx.redis) return;
    const raw = new Redis(ctx.url);
    let cursor = '0';
    do {
      const [next, keys] = await raw.scan(cursor, 'MATCH', `${ctx.prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await raw.del(...keys);
    } while (cursor !== '0');
    raw.disconnect();
    for (const r of [ctx.redis, ...extra]) r.disconnect();
  });
  return ctx;
}

/**
 * A Redis server of this test file's own (redis-server from PATH, no persistence), for
 * tests that load it heavily or read its latency monitor: the shared one stays
 * untouched. Fails with how to get redis-server when it is missing.
 */
export function usePrivateRedis(): { redis: Redis; url: string } {
  const ctx = {} as { redis: Redis; url: string };
  let child: ChildProcess | undefined;
  beforeAll(async () => {
    if (spawnSync('redis-server', ['--version']).status !== 0)
      throw new Error(
        'redis-server is not on PATH: install the redis-server package (scripts/services.sh does)',
      );
    const port = await freePort();
    // niced up: on a shared, loaded machine its latency monitor should see its own work, not the queue for a core
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    child = spawn('nice', ['-n', '-10', 'redis-server', ...args], { stdio: 'ignore' });
    ctx.url = `redis://127.0.0.1:${port}`;
    // Wait for the server with throw-away probes: a client whose first connect failed keeps
    // reconnecting by itself, and a second connect() on it throws "already connecting".
    for (let i = 0; ; i++) {
      const probe = new Redis(ctx.url, {
        lazyConnect: true,
        retryStrategy: () => null,
        maxRetriesPerRequest: 0,
      });
      probe.on('error', () => undefined);
      try {
        await probe.connect();
        probe.disconnect();
        break;
      } catch (e) {
        probe.disconnect();
        if (i > 50) throw e;
        await new Promise((res) => setTimeout(res, 100));
      }
    }
    ctx.redis = new Redis(ctx.url, { maxRetriesPerRequest: 2, lazyConnect: true });
    await ctx.redis.connect();
  });
  afterAll(() => {
    ctx.redis?.disconnect();
    child?.kill('SIGKILL');
  });
  return ctx;
}
