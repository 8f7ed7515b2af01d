import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useKube } from '../support/kube.js';
import { useRedis } from '../support/redis.js';
import { KubeClient, KubeError, resourcePath, type KubeObject } from '../../operator/kube/client.js';
import { RT } from '../../operator/kube/resources.js';
import type { ScenicArea } from '../../operator/api/types.js';
import type { OperatorHandle } from '../../operator/operator.js';
import { applyAs, applyCrds, area, areaSpec, events, runOperator, salesWindow, waitFor } from './support.js';

const kube = useKube();
const redis = useRedis();
let client: KubeClient;
let op: OperatorHandle;

beforeAll(async () => {
  client = new KubeClient(kube.kc);
  await applyCrds(kube.kc);
  op = await runOperator({
    kc: kube.kc,
    redisUrl: redis.url,
    redisPrefix: redis.prefix,
    namespace: kube.namespace,
  });
});
afterAll(async () => op?.stop());

const ns = () => kube.namespace;
const get = <T extends KubeObject>(rt: (typeof RT)[keyof typeof RT], name: string) =>
  client.get<T>(resourcePath(rt, ns(), name));
const readyOf = (a: ScenicArea) => a.status?.conditions?.find((c) => c.type === 'Ready');
const reconcileCount = async () =>
  Number(
    /scenic_operator_reconcile_total\{controller="scenicarea",result="success"\} (\d+)/.exec(
      await op.metrics.render(),
    )?.[1] ?? 0,
  );

const CHILDREN = [
  [RT.service, 'park-api'],
  [RT.deployment, 'park-api'],
  [RT.deployment, 'park-worker'],
  [RT.hpa, 'park-api'],
  [RT.hpa, 'park-worker'],
  [RT.pdb, 'park-api'],
  [RT.pdb, 'park-worker'],
  [RT.daemonSet, 'park-gate-north'],
] as const;

async function waitReady(name: string, generation: number) {
  return waitFor(async () => {
    const a = await get<ScenicArea>(RT.area, name);
    const r = readyOf(a);
    return r?.status === 'True' && a.status?.observedGeneration === generation ? a : undefined;
  }, 20_000);
}

describe('ScenicArea → children', () => {
  it('creates every child with a controller owner reference, and reports Ready', async () => {
    const created = await applyAs(
      client,
      RT.area,
      area('park', ns(), areaSpec({ dataPlane: { ...areaSpec().dataPlane, redisPrefix: redis.prefix } })),
    );
    const a = await waitReady('park', 1);
    for (const [rt, name] of CHILDREN) {
      const child = await get<KubeObject>(rt, name);
      expect(child.metadata.ownerReferences, `${rt.kind} ${name}`).toEqual([
        {
          apiVersion: 'scenic.dev/v1alpha1',
          kind: 'ScenicArea',
          name: 'park',
          uid: created.metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
      expect(child.metadata.labels?.['app.kubernetes.io/managed-by']).toBe('scenic-operator');
    }
    // No kubelet or controllers here: the operator's part is done, the pods never come.
    expect(a.status?.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({
      status: 'True',
      reason: 'RollingOut',
    });
    expect(a.status?.conditions?.find((c) => c.type === 'Degraded')).toMatchObject({ status: 'False' });
    expect(a.status).toMatchObject({
      areaId: 'park',
      replicas: { api: { min: 2, max: 10 }, worker: { min: 1, max: 5 } },
    });
    const hpa = await get<
      { spec: { minReplicas: number; maxReplicas: number; scaleTargetRef: { name: string } } } & KubeObject
    >(RT.hpa, 'park-api');
    expect(hpa.spec).toMatchObject({ minReplicas: 2, maxReplicas: 10, scaleTargetRef: { name: 'park-api' } });
    const ds = await get<
      { spec: { template: { spec: { nodeSelector: Record<string, string> } } } } & KubeObject
    >(RT.daemonSet, 'park-gate-north');
    expect(ds.spec.template.spec.nodeSelector).toEqual({ 'scenic.dev/entrance': 'north' });
    // what the area declares goes into the selling path's catalog (tests/operator/source-of-truth), not a ConfigMap
    await expect(get(RT.configMap, 'park-sales-policy')).rejects.toMatchObject({ statusCode: 404 });
    const deployment = await get<{ spec: { replicas?: number } } & KubeObject>(RT.deployment, 'park-api');
    expect(deployment.spec.replicas).toBe(1); // defaulted on create; never applied by us (the HPA owns it)
    const evs = await events(client, ns());
    expect(evs.some((e) => e.involvedObject.name === 'park' && e.reason === 'Created')).toBe(true);
  });

  it('prunes the sales-policy ConfigMap an earlier release wrote (nothing reads it)', async () => {
    const owner = await get<ScenicArea>(RT.area, 'park');
    await client.apply(
      resourcePath(RT.configMap, ns(), 'park-sales-policy'),
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: 'park-sales-policy',
          namespace: ns(),
          labels: { 'app.kubernetes.io/managed-by': 'scenic-operator', 'scenic.dev/area': 'park' },
          ownerReferences: [
            {
              apiVersion: 'scenic.dev/v1alpha1',
              kind: 'ScenicArea',
              name: 'park',
              uid: owner.metadata.uid!,
              controller: true,
              blockOwnerDeletion: true,
            },
          ],
        },
        data: { 'policy.json': '{}' },
      } as KubeObject,
      'old-release',
      { force: true },
    );
    op.resync();
    await waitFor(() =>
      get(RT.configMap, 'park-sales-policy').then(
        () => false,
        (e: { statusCode?: number }) => e.statusCode === 404,
      ),
    );
  });

  it('is idempotent: reconciling again changes nothing', async () => {
    const before = await Promise.all(CHILDREN.map(([rt, name]) => get<KubeObject>(rt, name)));
    const area0 = await get<ScenicArea>(RT.area, 'park');
    const n = await reconcileCount();
    op.resync();
    await waitFor(async () => (await reconcileCount()) > n || undefined);
    await new Promise((r) => setTimeout(r, 300));
    const after = await Promise.all(CHILDREN.map(([rt, name]) => get<KubeObject>(rt, name)));
    expect(after.map((o) => o.metadata.resourceVersion)).toEqual(
      before.map((o) => o.metadata.resourceVersion),
    );
    expect((await get<ScenicArea>(RT.area, 'park')).metadata.resourceVersion).toBe(
      area0.metadata.resourceVersion,
    );
  });

  it('follows spec changes: scaling, image, entrances (a removed entrance loses its DaemonSet)', async () => {
    const cur = await get<ScenicArea>(RT.area, 'park');
    const spec = {
      ...cur.spec,
      image: 'ghcr.io/scenic/scenic:v2',
      api: { minReplicas: 3, maxReplicas: 20 },
      entrances: [{ name: 'south', nodeSelector: { 'scenic.dev/entrance': 'south' } }],
    };
    await applyAs(client, RT.area, area('park', ns(), spec));
    await waitReady('park', 2);
    const hpa = await get<{ spec: { minReplicas: number; maxReplicas: number } } & KubeObject>(
      RT.hpa,
      'park-api',
    );
    expect(hpa.spec).toMatchObject({ minReplicas: 3, maxReplicas: 20 });
    const d = await get<{ spec: { template: { spec: { containers: { image: string }[] } } } } & KubeObject>(
      RT.deployment,
      'park-api',
    );
    expect(d.spec.template.spec.containers[0]!.image).toBe('ghcr.io/scenic/scenic:v2');
    await get(RT.daemonSet, 'park-gate-south');
    await waitFor(async () =>
      get(RT.daemonSet, 'park-gate-north').then(
        () => false,
        (e: unknown) => e instanceof KubeError && e.statusCode === 404,
      ),
    );
  });

  it('runs a partner API of its own when asked, and removes it when no longer asked', async () => {
    const cur = await get<ScenicArea>(RT.area, 'park');
    await applyAs(
      client,
      RT.area,
      area('park', ns(), { ...cur.spec, partnerApi: { enabled: true, minReplicas: 2, maxReplicas: 4 } }),
    );
    const a = await waitReady('park', 3);
    const d = await get<
      {
        spec: {
          template: { spec: { containers: { args: string[]; env: { name: string; value?: string }[] }[] } };
        };
      } & KubeObject
    >(RT.deployment, 'park-partner-api');
    const c = d.spec.template.spec.containers[0]!;
    expect(c.args).toEqual(['api']);
    expect(c.env).toContainEqual({ name: 'SCENIC_API_ROUTES', value: 'partner' });
    const svc = await get<{ spec: { selector: Record<string, string> } } & KubeObject>(
      RT.service,
      'park-partner-api',
    );
    expect(svc.spec.selector['app.kubernetes.io/component']).toBe('partner-api');
    expect(
      (
        await get<{ spec: { minReplicas: number; maxReplicas: number } } & KubeObject>(
          RT.hpa,
          'park-partner-api',
        )
      ).spec,
    ).toMatchObject({ minReplicas: 2, maxReplicas: 4 });
    await get(RT.pdb, 'park-partner-api');
    expect(a.status?.replicas?.partnerApi).toMatchObject({ min: 2, max: 4 });

    await applyAs(client, RT.area, area('park', ns(), { ...cur.spec, partnerApi: { enabled: false } }));
    await waitReady('park', 4);
    for (const rt of [RT.deployment, RT.service, RT.hpa, RT.pdb]) {
      await waitFor(async () =>
        get(rt, 'park-partner-api').then(
          () => false,
          (e: unknown) => e instanceof KubeError && e.statusCode === 404,
        ),
      );
    }
    await get(RT.deployment, 'park-api'); // the public API is untouched
    const evs = await events(client, ns());
    expect(evs.some((e) => e.reason === 'Pruned' && e.message.includes('Deployment park-partner-api'))).toBe(
      true,
    );
  });

  it('recreates a deleted child', async () => {
    const old = await get<KubeObject>(RT.deployment, 'park-worker');
    await client.delete(resourcePath(RT.deployment, ns(), 'park-worker'));
    const again = await waitFor(async () => {
      const d = await get<KubeObject>(RT.deployment, 'park-worker').catch(() => undefined);
      return d && d.metadata.uid !== old.metadata.uid ? d : undefined;
    });
    expect(again.metadata.ownerReferences?.[0]).toMatchObject({
      kind: 'ScenicArea',
      name: 'park',
      controller: true,
    });
    await client.delete(resourcePath(RT.hpa, ns(), 'park-api'));
    await waitFor(async () => get(RT.hpa, 'park-api').catch(() => undefined));
  });
});

describe('invalid specs', () => {
  it.each([
    [
      'thresholds out of order',
      { thresholds: { yellow: { percent: 90 }, orange: { percent: 85 } } },
      'yellow < orange <= red',
    ],
    [
      'minReplicas above maxReplicas',
      { api: { minReplicas: 12, maxReplicas: 4 } },
      'minReplicas must not exceed maxReplicas',
    ],
    [
      'a slot bigger than the day',
      { timeSlots: [{ name: 'am', start: '08:00', end: '12:00', capacity: 9000 }] },
      "time slot's capacity",
    ],
    [
      'a slot ending before it starts',
      { timeSlots: [{ name: 'am', start: '12:00', end: '08:00', capacity: 100 }] },
      'end after it starts',
    ],
    [
      'an unknown channel kind',
      { channels: [{ name: 'x', kind: 'pigeon' as 'online' }] },
      'Unsupported value',
    ],
  ])('the API server refuses %s', async (_name, over, message) => {
    const err = await applyAs(client, RT.area, area('bad', ns(), areaSpec(over))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeError);
    expect((err as KubeError).statusCode).toBe(422);
    expect((err as KubeError).message).toContain(message);
  });

  it('the API server refuses a SalesWindow that closes before it opens', async () => {
    const w = salesWindow('bad', ns(), {
      areaRef: { name: 'park' },
      opensAt: '2030-01-01T03:00:00Z',
      closesAt: '2030-01-01T02:00:00Z',
      channels: ['ota'],
      expectedPeakRps: 10,
    });
    const err = await applyAs(client, RT.window, w).catch((e: unknown) => e);
    expect((err as KubeError).statusCode).toBe(422);
    expect((err as KubeError).message).toContain('closesAt must be after opensAt');
  });

  it('reports what the schema cannot check in the Ready condition, and applies nothing', async () => {
    await applyAs(client, RT.area, area('mars', ns(), areaSpec({ timezone: 'Mars/Olympus_Mons' })));
    const a = await waitFor(async () => {
      const x = await get<ScenicArea>(RT.area, 'mars');
      return readyOf(x)?.status === 'False' ? x : undefined;
    });
    expect(readyOf(a)).toMatchObject({ reason: 'InvalidTimezone', observedGeneration: 1 });
    expect(a.status?.conditions?.find((c) => c.type === 'Degraded')).toMatchObject({
      status: 'True',
      reason: 'InvalidTimezone',
    });
    await expect(get(RT.deployment, 'mars-api')).rejects.toMatchObject({ statusCode: 404 });
    const evs = await events(client, ns());
    expect(
      evs.some(
        (e) => e.involvedObject.name === 'mars' && e.reason === 'InvalidTimezone' && e.type === 'Warning',
      ),
    ).toBe(true);
  });
});
