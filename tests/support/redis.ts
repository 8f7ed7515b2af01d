import { afterAll, beforeAll } from 'vitest';
import { Redis } from 'ioredis';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { freePort } from './processes.js';
import { redisUrl, uniqueSuffix } from './services.js';
import {
  openRedis,
  parseClusterNodes,
  type Redis as AnyRedis,
  type RedisTarget,
} from '../../core/redis/client.js';
import { scanKeys } from '../../core/redis/scan.js';

/**
 * Which Redis the tests' helpers connect to: the single server (REDIS_URL, the default) or,
 * with SCENIC_TEST_REDIS=cluster, the Redis Cluster of REDIS_CLUSTER_NODES (`bash
 * scripts/services.sh up-cluster`). The cluster leg of the test command runs the inventory,
 * race, presale and channel tests so (scripts/test.sh).
 */
export const testRedisMode = (): 'single' | 'cluster' =>
  process.env.SCENIC_TEST_REDIS === 'cluster' ? 'cluster' : 'single';

/** The target the platform and the helpers connect to, and the env variables that say so. */
export async function testRedisTarget(): Promise<{ target: RedisTarget; env: Record<string, string> }> {
  if (testRedisMode() === 'cluster') {
    const nodes = process.env.REDIS_CLUSTER_NODES;
    if (!nodes)
      throw new Error(
        'SCENIC_TEST_REDIS=cluster but REDIS_CLUSTER_NODES is not set: start the cluster with ' +
          '`bash scripts/services.sh up-cluster` and `source /var/tmp/scenic/env`',
      );
    return {
      target: { clusterNodes: parseClusterNodes(nodes), waitReplicas: 1, waitTimeoutMs: 500 },
      env: { REDIS_CLUSTER_NODES: nodes },
    };
  }
  const url = await redisUrl();
  return { target: { url, waitReplicas: 0, waitTimeoutMs: 500 }, env: { REDIS_URL: url } };
}

export interface TestRedis {
  redis: AnyRedis;
  /** the single server's URL; on the cluster, the first seed node's (for a node-level look only) */
  url: string;
  prefix: string;
  /** where the helpers connect (single server or cluster) */
  target: RedisTarget;
  /** REDIS_URL or REDIS_CLUSTER_NODES, for a platform or a role process of the test */
  env: Record<string, string>;
  /** Another connection with the same prefix (pub/sub, blocking calls). */
  connect(): AnyRedis;
}

/** A Redis connection whose keys all carry this file's own prefix; cleaned up after the file. */
export function useRedis(): TestRedis {
  const ctx = {} as TestRedis;
  const extra: AnyRedis[] = [];
  beforeAll(async () => {
    const { target, env } = await testRedisTarget();
    ctx.target = target;
    ctx.env = env;
    const seed = target.clusterNodes?.[0];
    ctx.url = seed ? `redis://${seed.host}:${seed.port}` : target.url!;
    ctx.prefix = `t:${uniqueSuffix()}:`;
    ctx.connect = () => {
      const r = openRedis(target, { keyPrefix: ctx.prefix });
      extra.push(r);
      return r;
    };
    ctx.redis = openRedis(target, { keyPrefix: ctx.prefix });
    await ctx.redis.ping();
  });
  afterAll(async () => {
    if (!ctx.redis) return;
    const raw = openRedis(ctx.target);
    // the file's keys, and its BullMQ keys (their prefix is a hash tag: `{t:…:bull}`)
    for (const pattern of [`${ctx.prefix}*`, `{${ctx.prefix}*`]) {
      const keys = await scanKeys(raw, pattern);
      // one DEL per key: on a cluster the keys sit in different slots
      for (let i = 0; i < keys.length; i += 500)
        await Promise.all(keys.slice(i, i + 500).map((k) => raw.del(k)));
    }
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
