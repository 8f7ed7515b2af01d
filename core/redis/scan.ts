import { isCluster, type Redis } from './client.js';

/**
 * Every key matching `pattern` (SCAN's MATCH is never prefixed by ioredis: pass the raw
 * pattern, get raw keys). On a cluster each master holds its own slots, so each is
 * scanned in turn; a single server is scanned once. Keys may repeat across a resharding.
 */
export async function scanKeys(redis: Redis, pattern: string, count = 1000): Promise<string[]> {
  const nodes = isCluster(redis) ? redis.nodes('master') : [redis];
  const out: string[] = [];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', count);
      cursor = next;
      out.push(...keys);
    } while (cursor !== '0');
  }
  return out;
}
