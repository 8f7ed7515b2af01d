import { describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { useRedis } from '../support/redis.js';

describe('redis harness', () => {
  const r = useRedis();

  it('prefixes every key with the file prefix, including keys touched by Lua', async () => {
    await r.redis.set('k', 'v');
    await r.redis.eval("return redis.call('INCR', KEYS[1])", 1, 'counter');
    const raw = new Redis(r.url);
    try {
      expect(await raw.get(`${r.prefix}k`)).toBe('v');
      expect(await raw.get(`${r.prefix}counter`)).toBe('1');
      expect(await raw.exists('k')).toBe(0);
    } finally {
      raw.disconnect();
    }
  });
});
