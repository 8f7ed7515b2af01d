import { Cluster, Redis as SingleRedis, type ClusterOptions, type RedisOptions } from 'ioredis';

/**
 * A connection to the deployment's Redis: one server (`REDIS_URL`) or a Redis Cluster
 * (`REDIS_CLUSTER_NODES`). Both speak the same commands through ioredis; what differs is
 * that on a cluster every multi-key command, script and MULTI must stay in one slot (the
 * area hash tag `{areaId}` does that, core/inventory/keys.ts) and SCAN runs per master
 * (`scanAll`, ./scan.ts).
 */
export type Redis = SingleRedis | Cluster;

/** Where Redis is, as the configuration gives it (core/config.ts, operator/config.ts). */
export interface RedisTarget {
  /** a single server: redis[s]://[user:password@]host:port[/db]; with a cluster only its credentials and TLS count */
  url?: string;
  /** the cluster's seed nodes (any few of its nodes; ioredis discovers the rest) */
  clusterNodes?: { host: string; port: number }[];
  /**
   * Replicas that must hold an inventory write before it is acknowledged (WAIT after the
   * script): a master killed right after a sale cannot take the sale with it. 0: no wait.
   */
  waitReplicas: number;
  /** how long that WAIT may take before the write counts as not replicated */
  waitTimeoutMs: number;
}

export interface ConnectOptions {
  /** prefix of every key (not of pub/sub channels, nor of BullMQ's keys: BullMQ refuses one) */
  keyPrefix?: string;
  /** BullMQ's connections block and must retry forever; request paths fail fast */
  forQueues?: boolean;
  lazyConnect?: boolean;
}

const durability = new WeakMap<object, { replicas: number; timeoutMs: number }>();

/** How many replicas an inventory write on `redis` waits for (0 when nothing is configured). */
export function replicationOf(redis: Redis): { replicas: number; timeoutMs: number } {
  return durability.get(redis) ?? { replicas: 0, timeoutMs: 0 };
}

/** `host:port,host:port` → seed nodes; throws on a malformed entry (config validates first). */
export function parseClusterNodes(text: string): { host: string; port: number }[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const m = /^\[?([A-Za-z0-9.:-]+?)\]?:(\d{1,5})$/.exec(s);
      const port = Number(m?.[2]);
      if (!m || port < 1 || port > 65535) throw new Error(`not a host:port: ${s}`);
      return { host: m[1]!, port };
    });
}

/** The credentials, database and TLS of a redis:// URL, for a cluster's nodes. */
function credentialsOf(url: string | undefined): Pick<RedisOptions, 'username' | 'password' | 'tls'> {
  if (!url) return {};
  const u = new URL(url);
  return {
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/**
 * The one place a Redis connection is made (the platform, the operator, the tests'
 * helpers): a cluster client when the target names cluster nodes, else a single one.
 */
export function openRedis(target: RedisTarget, o: ConnectOptions = {}): Redis {
  // No auto-pipelining: with scripts defined lazily and MULTI it crashes ioredis under
  // load (redis/ioredis#1931); plain ioredis already pipelines on the socket.
  const maxRetriesPerRequest = o.forQueues ? null : 2;
  let r: Redis;
  if (target.clusterNodes?.length) {
    const opts: ClusterOptions = {
      keyPrefix: o.keyPrefix,
      lazyConnect: o.lazyConnect,
      // Reads go to masters: replicas lag (asynchronous replication), and stock read from
      // one could promise a ticket the master already sold.
      scaleReads: 'master',
      enableReadyCheck: true,
      // A master's death: commands wait for the replica's promotion (node timeout + election,
      // ≈ 2–4 s) by retrying on the new slot map instead of failing at the first refusal.
      retryDelayOnFailover: 200,
      retryDelayOnClusterDown: 200,
      retryDelayOnTryAgain: 100,
      maxRedirections: 32,
      slotsRefreshTimeout: 2000,
      redisOptions: { ...credentialsOf(target.url), maxRetriesPerRequest },
    };
    r = new Cluster(target.clusterNodes, opts);
  } else {
    if (!target.url) throw new Error('openRedis: neither a URL nor cluster nodes');
    r = new SingleRedis(target.url, {
      keyPrefix: o.keyPrefix,
      lazyConnect: o.lazyConnect,
      maxRetriesPerRequest,
    });
  }
  durability.set(r, { replicas: target.waitReplicas, timeoutMs: target.waitTimeoutMs });
  return r;
}

/** True for a cluster client (SCAN per master, no cross-slot pipelines). */
export const isCluster = (r: Redis): r is Cluster => r instanceof Cluster;
