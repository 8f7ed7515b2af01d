import { describe, expect, it } from 'vitest';
import { resolveArea } from '../api/defaults.js';
import { minimalArea } from '../api/fixtures.js';
import type { ScenicArea } from '../api/types.js';
import { desiredChildren } from './children.js';

const mk = (
  spec: Partial<ScenicArea['spec']> = {},
  meta: Partial<ScenicArea['metadata']> = {},
): ScenicArea => ({
  ...minimalArea,
  metadata: { name: 'park', namespace: 'ns', uid: 'u1', creationTimestamp: '2030-01-01T00:00:00Z', ...meta },
  spec: {
    ...minimalArea.spec,
    entrances: [
      { name: 'n', nodeSelector: { e: 'n' } },
      { name: 's', nodeSelector: { e: 's' } },
    ],
    ...spec,
  },
});
const scale = {
  api: { min: 7, requested: 7, capped: false },
  worker: { min: 1, requested: 0, capped: false },
  by: ['w'],
};
const names = (a: ScenicArea) =>
  desiredChildren(a, resolveArea(a), scale).map((c) => `${c.rt.kind}/${c.obj.metadata.name}`);

describe('desiredChildren', () => {
  it('owns every child and leaves Deployment replicas to the HPA', () => {
    const a = mk();
    const children = desiredChildren(a, resolveArea(a), scale);
    expect(names(a)).toEqual([
      'Service/park-api',
      'Deployment/park-api',
      'Deployment/park-worker',
      'HorizontalPodAutoscaler/park-api',
      'HorizontalPodAutoscaler/park-worker',
      'PodDisruptionBudget/park-api',
      'PodDisruptionBudget/park-worker',
      'DaemonSet/park-gate-n',
      'DaemonSet/park-gate-s',
    ]);
    for (const c of children)
      expect(c.obj.metadata.ownerReferences).toEqual([
        expect.objectContaining({ uid: 'u1', controller: true }),
      ]);
    const dep = children.find((c) => c.obj.metadata.name === 'park-api' && c.rt.kind === 'Deployment')!
      .obj as unknown as { spec: Record<string, unknown> };
    expect(dep.spec).not.toHaveProperty('replicas');
    const hpa = children.find((c) => c.rt.kind === 'HorizontalPodAutoscaler')!.obj as unknown as {
      spec: { minReplicas: number };
    };
    expect(hpa.spec.minReplicas).toBe(7);
  });

  it('is deterministic (same input, same output: applying twice changes nothing)', () => {
    const a = mk();
    expect(JSON.stringify(desiredChildren(a, resolveArea(a), scale))).toBe(
      JSON.stringify(desiredChildren(a, resolveArea(a), scale)),
    );
  });

  it('adds a partner-only API (Deployment, Service, HPA, PDB) when partnerApi is enabled', () => {
    expect(names(mk()).filter((n) => n.includes('partner'))).toEqual([]);
    const a = mk({ partnerApi: { enabled: true, maxReplicas: 3 } });
    expect(names(a).filter((n) => n.includes('partner'))).toEqual([
      'Service/park-partner-api',
      'Deployment/park-partner-api',
      'HorizontalPodAutoscaler/park-partner-api',
      'PodDisruptionBudget/park-partner-api',
    ]);
    const children = desiredChildren(a, resolveArea(a), scale);
    const dep = children.find(
      (c) => c.rt.kind === 'Deployment' && c.obj.metadata.name === 'park-partner-api',
    )!.obj as unknown as {
      spec: {
        template: { spec: { containers: { args: string[]; env: { name: string; value?: string }[] }[] } };
      };
    };
    expect(dep.spec.template.spec.containers[0]!.args).toEqual(['api']);
    expect(dep.spec.template.spec.containers[0]!.env).toContainEqual({
      name: 'SCENIC_API_ROUTES',
      value: 'partner',
    });
    // its floor is its own: SalesWindows pre-scale the public API only
    const hpa = children.find(
      (c) => c.rt.kind === 'HorizontalPodAutoscaler' && c.obj.metadata.name === 'park-partner-api',
    )!.obj as unknown as { spec: { minReplicas: number; maxReplicas: number } };
    expect(hpa.spec).toMatchObject({ minReplicas: 2, maxReplicas: 3 });
  });

  it("20 gives the area's API and workers the Redis Cluster's seed nodes when the data plane names them", () => {
    const envOf = (a: ScenicArea, name: string) =>
      (
        desiredChildren(a, resolveArea(a), scale).find(
          (c) => c.rt.kind === 'Deployment' && c.obj.metadata.name === name,
        )!.obj as unknown as {
          spec: { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } };
        }
      ).spec.template.spec.containers[0]!.env;
    const single = mk();
    expect(envOf(single, 'park-api').map((e) => e.name)).not.toContain('REDIS_CLUSTER_NODES');
    const nodes = 'redis-0.redis:6379,redis-1.redis:6379';
    const clustered = mk({ dataPlane: { ...minimalArea.spec.dataPlane, redisClusterNodes: nodes } });
    for (const name of ['park-api', 'park-worker'])
      expect(envOf(clustered, name)).toContainEqual({ name: 'REDIS_CLUSTER_NODES', value: nodes });
  });

  it('20 gives API probes 5 s to answer: a surge makes every pod late at once, and 1 s took them all out', () => {
    const a = mk({ partnerApi: { enabled: true } });
    for (const name of ['park-api', 'park-partner-api']) {
      const c = podOf(a, 'Deployment', name).containers[0]! as Pod['containers'][number] & {
        readinessProbe?: { timeoutSeconds?: number };
        livenessProbe?: { timeoutSeconds?: number };
      };
      expect(c.readinessProbe?.timeoutSeconds, name).toBe(5);
      expect(c.livenessProbe?.timeoutSeconds, name).toBe(5);
    }
  });

  it('runs no gate agents when the gate is disabled', () => {
    expect(names(mk({ gate: { enabled: false } })).filter((n) => n.startsWith('DaemonSet'))).toEqual([]);
  });
});

type Pod = {
  automountServiceAccountToken?: boolean;
  securityContext: { runAsUser: number; runAsGroup: number; fsGroup?: number };
  initContainers?: Container[];
  containers: Container[];
  volumes: {
    name: string;
    secret?: { secretName: string };
    configMap?: unknown;
    hostPath?: { path: string };
  }[];
};
type Container = {
  name: string;
  args: string[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string } } }[];
  envFrom?: unknown[];
  volumeMounts?: { name: string; mountPath: string }[];
  ports?: { name: string; hostPort?: number }[];
  securityContext?: { runAsUser?: number; capabilities?: { add?: string[] } };
};
const podOf = (a: ScenicArea, kind: string, name: string): Pod =>
  (
    desiredChildren(a, resolveArea(a), scale).find((c) => c.rt.kind === kind && c.obj.metadata.name === name)!
      .obj as unknown as { spec: { template: { spec: Pod } } }
  ).spec.template.spec;

describe('the gate DaemonSet (issue 17)', () => {
  const a = mk({
    dataPlane: { ...minimalArea.spec.dataPlane, envFromSecret: 'scenic-app' },
  });

  it('17.1 a gate pod gets its credential, the API URL and its journal path, nothing else', () => {
    const pod = podOf(a, 'DaemonSet', 'park-gate-n');
    const all = [...(pod.initContainers ?? []), ...pod.containers];
    for (const c of all) {
      expect(c.envFrom, c.name).toBeUndefined();
      for (const e of c.env ?? []) {
        expect(e.name).not.toMatch(/DATABASE|REDIS|PII|LOOKUP|POLICY|SIGNING/);
        // the only Secret a gate pod names is its own entrance's
        if (e.valueFrom?.secretKeyRef) expect(e.valueFrom.secretKeyRef.name).toBe('park-gate-n');
      }
    }
    expect(pod.containers.map((c) => c.name)).toEqual(['gate']);
    expect(pod.containers[0]!.env!.map((e) => e.name).sort()).toEqual(
      [
        'NODE_NAME',
        'SCENIC_GATE_API_URL',
        'SCENIC_GATE_CREDENTIAL_FILE',
        'SCENIC_GATE_HOST',
        'SCENIC_GATE_JOURNAL',
        'SCENIC_GATE_LANE_TOKENS_FILE',
        'SCENIC_GATE_METRICS_HOST',
        'SCENIC_GATE_METRICS_PORT',
        'SCENIC_GATE_PORT',
      ].sort(),
    );
    expect(pod.volumes.filter((v) => v.secret).map((v) => v.secret!.secretName)).toEqual(['park-gate-n']);
    expect(pod.volumes.some((v) => v.configMap)).toBe(false);
    expect(pod.automountServiceAccountToken).toBe(false);
    // the API still gets the platform's secrets: only the gate was cut off
    const api = podOf(a, 'Deployment', 'park-api').containers[0]!;
    expect(api.envFrom).toEqual([{ secretRef: { name: 'scenic-app' } }]);
  });

  it('17.3 each node reads its own credential and journals in a directory the agent owns', () => {
    const pod = podOf(a, 'DaemonSet', 'park-gate-n');
    const gate = pod.containers[0]!;
    const env = gate.env!;
    const file = env.find((e) => e.name === 'SCENIC_GATE_CREDENTIAL_FILE')!.value!;
    // one key per node in the entrance's Secret: $(NODE_NAME) is expanded by the kubelet,
    // so it must be declared before the variable that uses it
    expect(file).toMatch(/\/\$\(NODE_NAME\)$/);
    expect(env.findIndex((e) => e.name === 'NODE_NAME')).toBeLessThan(
      env.findIndex((e) => e.name === 'SCENIC_GATE_CREDENTIAL_FILE'),
    );
    const creds = gate.volumeMounts!.find((m) => m.name === 'credentials')!;
    expect(file.startsWith(`${creds.mountPath}/`)).toBe(true);
    // 17.2: on the LAN (0.0.0.0) the lane devices' tokens come from the same Secret
    expect(env.find((e) => e.name === 'SCENIC_GATE_LANE_TOKENS_FILE')!.value).toBe(
      `${creds.mountPath}/lane-tokens`,
    );
    const journalDir = gate.volumeMounts!.find((m) => m.name === 'journal')!.mountPath;
    expect(env.find((e) => e.name === 'SCENIC_GATE_JOURNAL')!.value!.startsWith(`${journalDir}/`)).toBe(true);
    // the hostPath comes root-owned: an init container gives it to the agent's uid
    const [init] = pod.initContainers!;
    const { runAsUser, runAsGroup } = pod.securityContext;
    expect(init!.args).toEqual([
      'gate',
      'prepare-journal',
      '--dir',
      journalDir,
      '--owner',
      `${runAsUser}:${runAsGroup}`,
    ]);
    expect(init!.volumeMounts!.find((m) => m.name === 'journal')!.mountPath).toBe(journalDir);
    expect(init!.securityContext).toMatchObject({ runAsUser: 0, capabilities: { add: ['CHOWN', 'FOWNER'] } });
    expect(gate.securityContext?.runAsUser).toBeUndefined(); // the agent stays the pod's non-root user
    // the lane API on the node, metrics on the pod network only
    expect(gate.ports).toEqual([
      expect.objectContaining({ name: 'http', hostPort: 8090 }),
      expect.not.objectContaining({ hostPort: expect.anything() as unknown }),
    ]);
  });
});
