import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useKube } from '../support/kube.js';
import { useRedis } from '../support/redis.js';
import { KubeClient, resourcePath, type KubeObject } from '../../operator/kube/client.js';
import { RT } from '../../operator/kube/resources.js';
import type { OperatorHandle } from '../../operator/operator.js';
import { applyAs, applyCrds, area, areaSpec, runOperator, waitFor } from './support.js';

interface PodSpec {
  automountServiceAccountToken?: boolean;
  initContainers?: ContainerSpec[];
  containers: ContainerSpec[];
  volumes: { name: string; secret?: { secretName: string }; configMap?: unknown }[];
}
interface ContainerSpec {
  name: string;
  env?: { name: string; valueFrom?: { secretKeyRef?: { name: string } } }[];
  envFrom?: unknown[];
}
type DaemonSet = KubeObject & { spec: { template: { metadata: KubeObject['metadata']; spec: PodSpec } } };

/**
 * Issue 17 items 1 and 3 on the real kube-apiserver: the operator's gate DaemonSet for an
 * area whose data plane hands the platform's secrets to its API (`envFromSecret`) gives a
 * gate pod none of them, and the API server accepts a pod of it on a node.
 */
describe('the gate DaemonSet on the API server', () => {
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

  it('17.1 gives a gate pod its own credential Secret and nothing of the platform’s', async () => {
    const spec = areaSpec({
      dataPlane: { ...areaSpec().dataPlane, redisPrefix: redis.prefix, envFromSecret: 'scenic-app' },
    });
    await applyAs(client, RT.area, area('park', kube.namespace, spec));
    const ds = await waitFor(() =>
      client.get<DaemonSet>(resourcePath(RT.daemonSet, kube.namespace, 'park-gate-north')),
    );
    const pod = ds.spec.template.spec;
    const named = new Set<string>();
    for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
      expect(c.envFrom, c.name).toBeUndefined();
      for (const e of c.env ?? []) {
        expect(e.name).not.toMatch(
          /^(DATABASE_URL|REDIS_URL|REDIS_PREFIX|SCENIC_PII_KEY|SCENIC_LOOKUP_KEY)$/,
        );
        if (e.valueFrom?.secretKeyRef) named.add(e.valueFrom.secretKeyRef.name);
      }
    }
    for (const v of pod.volumes) if (v.secret) named.add(v.secret.secretName);
    expect([...named]).toEqual(['park-gate-north']);
    expect(pod.volumes.some((v) => v.configMap)).toBe(false);
    expect(pod.automountServiceAccountToken).toBe(false);
    const api = await client.get<DaemonSet>(resourcePath(RT.deployment, kube.namespace, 'park-api'));
    expect(api.spec.template.spec.containers[0]!.envFrom).toEqual([{ secretRef: { name: 'scenic-app' } }]);

    // 17.3: a pod of it, bound to a node, is a valid pod (init container, $(NODE_NAME), fsGroup)
    await client.request('POST', `/api/v1/namespaces/${kube.namespace}/pods`, {
      query: { dryRun: 'All' },
      body: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'park-gate-north-edge-1', labels: ds.spec.template.metadata.labels },
        spec: { ...pod, nodeName: 'edge-1' },
      },
    });
  });
});
