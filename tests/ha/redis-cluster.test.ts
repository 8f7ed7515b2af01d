import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, Redis } from 'ioredis';
import { ensureUp, lastJson, recordFigure, runScript } from '../support/ha.js';
import { waitFor } from '../support/processes.js';
import { uniqueSuffix } from '../support/services.js';

interface NodeLine {
  id: string;
  port: number;
  role: 'master' | 'replica';
  masterId: string;
  failed: boolean;
  slots: [number, number][];
}

/** `CLUSTER NODES` parsed: one entry per node. */
function parseNodes(text: string): NodeLine[] {
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const f = line.split(' ');
      const ranges = f.slice(8).filter((s) => !s.startsWith('['));
      return {
        id: f[0]!,
        port: Number(/:(\d+)@/.exec(f[1]!)![1]),
        role: f[2]!.includes('master') ? 'master' : 'replica',
        masterId: f[3]!,
        failed: /fail/.test(f[2]!),
        slots: ranges.map((r) => {
          const [lo, hi] = r.split('-').map(Number);
          return [lo!, hi ?? lo!] as [number, number];
        }),
      };
    });
}

interface KillResult {
  slot: number;
  killed: string;
  promoted: string;
  seconds: number;
}

describe('Redis Cluster on loopback (scripts/redis-cluster.sh)', () => {
  let seeds: { host: string; port: number }[] = [];
  let cluster: Cluster;
  const direct: Redis[] = [];
  const prefix = `t:${uniqueSuffix()}:`;
  const written: string[] = [];

  const connect = (port: number): Redis => {
    const r = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 2 });
    // A connection to a node the test kills errors until it is closed; that is expected.
    r.on('error', () => undefined);
    direct.push(r);
    return r;
  };
  /** `CLUSTER NODES` as the first live seed sees it. */
  const topology = async (): Promise<NodeLine[]> => {
    for (const { port } of seeds) {
      const r = new Redis({ host: '127.0.0.1', port, lazyConnect: true, retryStrategy: () => null });
      r.on('error', () => undefined);
      try {
        await r.connect();
        return parseNodes(String(await r.cluster('NODES')));
      } catch {
        continue;
      } finally {
        r.disconnect();
      }
    }
    throw new Error('no cluster node answers');
  };
  const masterOf = (nodes: NodeLine[], slot: number): NodeLine | undefined =>
    nodes.find(
      (n) => n.role === 'master' && !n.failed && n.slots.some(([lo, hi]) => slot >= lo && slot <= hi),
    );

  beforeAll(async () => {
    const env = await ensureUp('redis-cluster');
    seeds = env
      .REDIS_CLUSTER_NODES!.split(',')
      .map((a) => ({ host: '127.0.0.1', port: Number(a.split(':')[1]) }));
    cluster = new Cluster(seeds, { redisOptions: { maxRetriesPerRequest: 3 } });
    await cluster.ping();
  }, 300_000);

  afterAll(async () => {
    if (cluster && written.length) await Promise.all(written.map((k) => cluster.del(k)));
    cluster?.disconnect();
    for (const r of direct) r.disconnect();
  });

  it('has 6 nodes: 3 masters serving all 16384 slots, each with a replica', async () => {
    expect(seeds).toHaveLength(6);
    const info = String(await connect(seeds[0]!.port).cluster('INFO'));
    expect(info).toMatch(/cluster_state:ok/);
    expect(info).toMatch(/cluster_known_nodes:6\r?\n/);
    expect(info).toMatch(/cluster_size:3\r?\n/);
    const nodes = await topology();
    const masters = nodes.filter((n) => n.role === 'master');
    const replicas = nodes.filter((n) => n.role === 'replica');
    expect(masters).toHaveLength(3);
    expect(replicas).toHaveLength(3);
    for (const m of masters) expect(replicas.filter((r) => r.masterId === m.id)).toHaveLength(1);
    const served = masters.flatMap((m) => m.slots).reduce((sum, [lo, hi]) => sum + hi - lo + 1, 0);
    expect(served).toBe(16384);
  });

  it('sets and gets keys on every master through an ioredis Cluster client', async () => {
    const keys = Array.from({ length: 200 }, (_, i) => `${prefix}k${i}`);
    written.push(...keys);
    await Promise.all(keys.map((k, i) => cluster.set(k, String(i))));
    expect(await Promise.all(keys.map((k) => cluster.get(k)))).toEqual(keys.map((_, i) => String(i)));

    const nodes = await topology();
    const slots = await Promise.all(keys.map((k) => cluster.cluster('KEYSLOT', k)));
    expect(new Set(slots.map((s) => masterOf(nodes, s)?.port)).size).toBe(3);

    // Multi-key commands need one slot: a hash tag gives it; without one the cluster refuses.
    const tagged = [`${prefix}{area-1}:a`, `${prefix}{area-1}:b`];
    written.push(...tagged);
    await cluster.mset(tagged[0]!, '1', tagged[1]!, '2');
    expect(await cluster.mget(...tagged)).toEqual(['1', '2']);
    // Redis names its errors by their first word; CROSSSLOT is the code for "keys in different slots".
    await expect(connect(seeds[0]!.port).mget(keys[0]!, keys[1]!, keys[2]!)).rejects.toThrow(/^CROSSSLOT/);
  });

  it('promotes the replica of a SIGKILLed master within 10 s; the client reads the replicated value', async () => {
    const key = `${prefix}failover`;
    written.push(key);
    const slot = Number(await cluster.cluster('KEYSLOT', key));
    const before = masterOf(await topology(), slot)!;
    // Replication is asynchronous: write on the master and WAIT for its replica, so the
    // value must survive the promotion.
    const onMaster = connect(before.port);
    await onMaster.set(key, 'before');
    expect(await onMaster.wait(1, 5000)).toBe(1);
    onMaster.disconnect();

    const { stdout } = await runScript('redis-cluster', ['kill-master', '--key', key], 180_000);
    const result = lastJson<KillResult>(stdout);
    recordFigure('redis-cluster master failover (kill → replica promoted)', result.seconds);
    expect(result.slot).toBe(slot);
    expect(result.killed).toBe(`127.0.0.1:${before.port}`);
    expect(result.promoted).not.toBe(result.killed);
    expect(result.seconds).toBeLessThan(10);

    await waitFor('the cluster client to read the key from the promoted replica', async () => {
      return (await cluster.get(key)) === 'before';
    });
    await cluster.set(key, 'after');
    expect(await cluster.get(key)).toBe('after');

    // The script restarted the killed node: it is back as a replica of the promoted one.
    const after = await topology();
    const promoted = masterOf(after, slot)!;
    expect(`127.0.0.1:${promoted.port}`).toBe(result.promoted);
    const old = after.find((n) => n.port === before.port)!;
    expect(old.role).toBe('replica');
    expect(old.masterId).toBe(promoted.id);
  }, 240_000);
});
