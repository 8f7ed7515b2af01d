import { afterAll, beforeAll } from 'vitest';
import { Redis } from 'ioredis';
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
