import http from 'node:http';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useKube } from '../support/kube.js';
import { usePostgres } from '../support/postgres.js';
import { useRedis } from '../support/redis.js';
import { uniqueSuffix } from '../support/services.js';
import { eventsChannel, type LevelChangeEvent } from '../../core/inventory/events.js';
import { upsertChannels } from '../../core/catalog/catalog.js';
import { localDate } from '../../core/time.js';
import { KubeClient, resourcePath } from '../../operator/kube/client.js';
import { RT } from '../../operator/kube/resources.js';
import type { ScenicArea, ScenicAreaSpec } from '../../operator/api/types.js';
import { DEFAULT_TENANCY, type OperatorHandle } from '../../operator/operator.js';
import { applyAs, applyCrds, area, areaSpec, runOperator, salesWindow, waitFor } from './support.js';

/**
 * Issue 17.13, black-box on the real kube-apiserver: two tenants, each in its namespace with
 * its own operator (the chart's default: an operator watches its release namespace), on one
 * data plane (Postgres and Redis). Tenant B declares ScenicAreas naming tenant A's area id,
 * A's Redis prefix, an image and hooks of its choosing; each is refused with a condition on
 * B's resource, and A loses nothing: no catalog row, switch, waiting room, level or hook.
 */
const kube = useKube(); // tenant A's namespace
const pg = usePostgres();
const redis = useRedis();
const nsB = `t-${uniqueSuffix()}-b`;
let client: KubeClient;
let opA: OperatorHandle;
let opB: OperatorHandle;
let pub: Redis;
const hooks: Record<'a' | 'b', { level: string }[]> = { a: [], b: [] };
const servers: http.Server[] = [];
const ports: Record<'a' | 'b', number> = { a: 0, b: 0 };

function hookServer(who: 'a' | 'b'): Promise<number> {
  const s = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      hooks[who].push(JSON.parse(body) as { level: string });
      res.writeHead(204).end();
    });
  });
  servers.push(s);
  return new Promise((r) => s.listen(0, '127.0.0.1', () => r((s.address() as { port: number }).port)));
}

const spec = (over: Partial<ScenicAreaSpec>): ScenicAreaSpec =>
  areaSpec({ ...over, dataPlane: { ...areaSpec().dataPlane, redisPrefix: redis.prefix, ...over.dataPlane } });
const get = (ns: string, name: string) => client.get<ScenicArea>(resourcePath(RT.area, ns, name));
const condition = (a: ScenicArea, type: string) => a.status?.conditions?.find((c) => c.type === type);
const refusedAs = (ns: string, name: string) =>
  waitFor(async () => {
    const a = await get(ns, name);
    const r = condition(a, 'Ready');
    return r?.status === 'False' && a.status?.observedGeneration === a.metadata.generation ? a : undefined;
  }, 15_000);
/** Nothing was reconciled for it: no workload of its own either. */
const hasNoChildren = async (ns: string, name: string) =>
  (
    await client.get<{ items: unknown[] }>(
      `${resourcePath(RT.deployment, ns)}?labelSelector=scenic.dev/area=${name}`,
    )
  ).items.length === 0;

beforeAll(async () => {
  client = new KubeClient(kube.kc);
  pub = new Redis(redis.url);
  await kube.core.createNamespace({ body: { metadata: { name: nsB } } });
  ports.a = await hookServer('a');
  ports.b = await hookServer('b');
  await applyCrds(kube.kc);
  await upsertChannels(
    pg.db,
    (['mini-program', 'ota', 'box-office'] as const).map((id) => ({
      id,
      name: id,
      kind: id === 'box-office' ? ('onsite' as const) : ('online' as const),
      enabled: true,
      commissionBps: 0,
      discountBps: 0,
      sellsFrom: null,
      sellsUntil: null,
    })),
  );
  // Both hook origins are allowed: B's hook stays silent because B is refused, not because of its URL.
  const tenancy = {
    ...DEFAULT_TENANCY,
    hookAllowlist: [`http://127.0.0.1:${ports.a}`, `http://127.0.0.1:${ports.b}`],
  };
  const common = { kc: kube.kc, redisUrl: redis.url, redisPrefix: redis.prefix, db: pg.db, tenancy };
  opA = await runOperator({ ...common, namespace: kube.namespace });
  opB = await runOperator({ ...common, namespace: nsB });
  await applyAs(
    client,
    RT.area,
    area(
      'lake',
      kube.namespace,
      spec({
        areaId: 'west-lake',
        capacity: { daily: 5000 },
        hooks: [{ name: 'ops', url: `http://127.0.0.1:${ports.a}/hook` }],
      }),
    ),
  );
  await waitFor(
    async () =>
      condition(await get(kube.namespace, 'lake'), 'DataPlaneSynced')?.status === 'True' || undefined,
  );
});
afterAll(async () => {
  await opA?.stop();
  await opB?.stop();
  pub?.disconnect();
  for (const s of servers) s.close();
  await kube.core?.deleteNamespace({ name: nsB }).catch(() => undefined);
});

describe('17.13 tenant isolation in the operator', () => {
  it('17.13 a ScenicArea in another namespace naming A’s areaId is refused and takes nothing from A', async () => {
    const now = Date.now();
    await applyAs(
      client,
      RT.area,
      area(
        'squat',
        nsB,
        spec({
          areaId: 'west-lake',
          capacity: { daily: 1 },
          channels: [{ name: 'mini-program', kind: 'online', paused: true, pauseReason: 'mine now' }],
          hooks: [{ name: 'leak', url: `http://127.0.0.1:${ports.b}/hook` }],
        }),
      ),
    );
    await applyAs(
      client,
      RT.window,
      salesWindow('rush', nsB, {
        areaRef: { name: 'squat' },
        opensAt: new Date(now - 60_000).toISOString(),
        closesAt: new Date(now + 3_600_000).toISOString(),
        channels: ['mini-program'],
        expectedPeakRps: 1000,
      }),
    );
    const squat = await refusedAs(nsB, 'squat');
    expect(condition(squat, 'Ready')).toMatchObject({ reason: 'AreaIdTaken' });
    expect(condition(squat, 'DataPlaneSynced')).toMatchObject({ status: 'False', reason: 'AreaIdTaken' });
    expect(condition(squat, 'Ready')?.message).not.toContain(kube.namespace); // A's namespace is not told
    expect(await hasNoChildren(nsB, 'squat')).toBe(true);

    // A's data plane is A's: capacity, binding, switches, waiting room
    const row = await pg.db('areas').where({ id: 'west-lake' }).first('daily_capacity');
    expect(row?.daily_capacity).toBe(5000);
    expect(
      await pg.db('area_declarations').where({ area_id: 'west-lake' }).first('namespace', 'name'),
    ).toEqual({
      namespace: kube.namespace,
      name: 'lake',
    });
    expect(await redis.redis.hget('sw:{west-lake}', 'mini-program')).toBeNull();
    expect(await redis.redis.exists('wr:{west-lake}')).toBe(0);

    // a level change of A's area: A hears it (status, hook), B hears nothing
    const event: LevelChangeEvent = {
      type: 'capacity-level',
      areaId: 'west-lake',
      date: localDate(new Date(), 'Asia/Shanghai'),
      level: 'orange',
      previous: 'yellow',
      used: 4250,
      capacity: 5000,
      at: Date.now(),
    };
    await pub.publish(eventsChannel(redis.prefix), JSON.stringify(event));
    await waitFor(async () => (await get(kube.namespace, 'lake')).status?.levels?.length === 1 || undefined);
    await waitFor(() => Promise.resolve(hooks.a.length > 0 || undefined), 3_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(hooks.b).toEqual([]);
    expect((await get(nsB, 'squat')).status?.levels).toBeUndefined();
    await client.delete(resourcePath(RT.window, nsB, 'rush'));
    await client.delete(resourcePath(RT.area, nsB, 'squat'));
  });

  it('17.13 naming A’s areaId under another Redis prefix is refused just the same', async () => {
    await waitFor(() =>
      get(nsB, 'squat').then(
        () => false,
        () => true,
      ),
    );
    await applyAs(
      client,
      RT.area,
      area(
        'squat-2',
        nsB,
        spec({ areaId: 'west-lake', dataPlane: { ...areaSpec().dataPlane, redisPrefix: 'evil:' } }),
      ),
    );
    const a = await refusedAs(nsB, 'squat-2');
    expect(condition(a, 'Ready')).toMatchObject({ reason: 'AreaIdTaken' });
    expect(await hasNoChildren(nsB, 'squat-2')).toBe(true);
    expect((await pg.db('areas').where({ id: 'west-lake' }).first('daily_capacity'))?.daily_capacity).toBe(
      5000,
    );
  });

  it('17.13 an area id of its own on A’s Redis prefix is refused', async () => {
    await applyAs(client, RT.area, area('own-id', nsB, spec({ areaId: 'b-lake' })));
    const a = await refusedAs(nsB, 'own-id');
    expect(condition(a, 'Ready')).toMatchObject({ reason: 'RedisPrefixTaken' });
    expect(await pg.db('areas').where({ id: 'b-lake' }).first()).toBeUndefined();
    expect(await hasNoChildren(nsB, 'own-id')).toBe(true);
  });

  it('17.13 an image off the allow-list is never run', async () => {
    await applyAs(
      client,
      RT.area,
      area(
        'miner',
        nsB,
        spec({
          areaId: 'b-miner',
          image: 'docker.io/attacker/miner:1',
          dataPlane: { ...areaSpec().dataPlane, redisPrefix: 'b:' },
        }),
      ),
    );
    const a = await refusedAs(nsB, 'miner');
    expect(condition(a, 'Ready')).toMatchObject({ reason: 'ImageNotAllowed' });
    expect(await hasNoChildren(nsB, 'miner')).toBe(true);
  });

  it('17.13 a hook that is not https on an allowed origin is refused (no blind SSRF)', async () => {
    await applyAs(
      client,
      RT.area,
      area(
        'ssrf',
        nsB,
        spec({
          areaId: 'b-ssrf',
          hooks: [{ name: 'meta', url: 'http://169.254.169.254/latest/meta-data/' }],
          dataPlane: { ...areaSpec().dataPlane, redisPrefix: 'b:' },
        }),
      ),
    );
    const a = await refusedAs(nsB, 'ssrf');
    expect(condition(a, 'Ready')).toMatchObject({ reason: 'HookNotAllowed' });
    expect(await hasNoChildren(nsB, 'ssrf')).toBe(true);
    expect(await pg.db('areas').where({ id: 'b-ssrf' }).first()).toBeUndefined();
  });

  it('the rightful tenant keeps working: a change of A’s spec is still written', async () => {
    const cur = await get(kube.namespace, 'lake');
    await applyAs(client, RT.area, area('lake', kube.namespace, { ...cur.spec, capacity: { daily: 6000 } }));
    await waitFor(
      async () =>
        (await pg.db('areas').where({ id: 'west-lake' }).first('daily_capacity'))?.daily_capacity === 6000 ||
        undefined,
      5_000,
    );
  });
});
