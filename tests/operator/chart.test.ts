import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { useKube } from '../support/kube.js';
import { useRedis } from '../support/redis.js';
import { uniqueSuffix } from '../support/services.js';
import {
  KubeClient,
  KubeError,
  resourcePath,
  type KubeObject,
  type ResourceType,
} from '../../operator/kube/client.js';
import { RT } from '../../operator/kube/resources.js';
import type { ScenicArea } from '../../operator/api/types.js';
import type { OperatorHandle } from '../../operator/operator.js';
import { applyAs, applyCrds, area, areaSpec, repoFile, runOperator, waitFor } from './support.js';
import { desiredChildren } from '../../operator/area/children.js';
import { resolveArea } from '../../operator/api/defaults.js';

const run = promisify(execFile);
const kube = useKube();
const redis = useRedis();
const release = `scenic-${uniqueSuffix()}`;
const ALERTING = [
  'alerting.enabled=true',
  'alerting.relay.url=http://west-lake-api.parks.svc:8080/alerts/v1/relay',
  'alerting.relay.tokenFile=/etc/alertmanager/secrets/scenic-alert-relay/token',
  'alerting.defaultRobots[0]=ops-wecom',
];
const chart = repoFile('charts/scenic');
let client: KubeClient;
let op: OperatorHandle | undefined;

const helmBin = () =>
  join(process.env.SCENIC_BIN_DIR ?? join(process.env.HOME ?? '/root', '.cache/scenic/bin'), 'helm');
const helm = (...args: string[]) => run(helmBin(), args, { maxBuffer: 10 * 1024 * 1024 });
const template = async (dir: string, ...set: string[]) => {
  const { stdout } = await helm(
    'template',
    release,
    dir,
    '--namespace',
    kube.namespace,
    '--kube-version',
    '1.34.4',
    '--include-crds',
    ...set.flatMap((s) => ['--set', s]),
  );
  return parseAllDocuments(stdout)
    .map((d) => d.toJS() as KubeObject & Record<string, unknown>)
    .filter((d) => d?.kind);
};

const TYPES: Record<string, ResourceType> = {
  CustomResourceDefinition: RT.crd,
  ServiceAccount: { group: '', version: 'v1', plural: 'serviceaccounts', kind: 'ServiceAccount' },
  Secret: { group: '', version: 'v1', plural: 'secrets', kind: 'Secret' },
  Service: RT.service,
  Deployment: RT.deployment,
  PodDisruptionBudget: RT.pdb,
  Role: { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'roles', kind: 'Role' },
  RoleBinding: {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    plural: 'rolebindings',
    kind: 'RoleBinding',
  },
  ClusterRole: {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    plural: 'clusterroles',
    kind: 'ClusterRole',
  },
  ClusterRoleBinding: {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    plural: 'clusterrolebindings',
    kind: 'ClusterRoleBinding',
  },
  NetworkPolicy: {
    group: 'networking.k8s.io',
    version: 'v1',
    plural: 'networkpolicies',
    kind: 'NetworkPolicy',
  },
};
/** The operator container's environment: plain values, or the `valueFrom` of the rest. */
function operatorEnv(docs: KubeObject[]): Record<string, unknown> {
  const dep = docs.find((d) => d.kind === 'Deployment') as unknown as {
    spec: {
      template: { spec: { containers: { env: { name: string; value?: string; valueFrom?: unknown }[] }[] } };
    };
  };
  return Object.fromEntries(
    dep.spec.template.spec.containers[0]!.env.map((e) => [e.name, e.value ?? e.valueFrom]),
  );
}
const pathOf = (o: KubeObject) =>
  resourcePath(
    TYPES[o.kind!]!,
    o.kind!.startsWith('Cluster') || o.kind === 'CustomResourceDefinition' ? undefined : o.metadata.namespace,
    o.metadata.name,
  );

beforeAll(async () => {
  client = new KubeClient(kube.kc);
  await applyCrds(kube.kc);
});
afterAll(async () => {
  await op?.stop();
  if (!client) return;
  for (const kind of ['ClusterRoleBinding', 'ClusterRole'])
    for (const name of [release, `${release}-crds`])
      await client.delete(resourcePath(TYPES[kind]!, undefined, name)).catch(() => undefined);
});

describe('Helm chart', () => {
  it('ships CRDs identical to crds/', () => {
    const files = readdirSync(repoFile('crds'))
      .filter((f) => f.endsWith('.yaml'))
      .sort();
    expect(readdirSync(join(chart, 'crds')).sort()).toEqual(files);
    for (const f of files)
      expect(readFileSync(join(chart, 'crds', f), 'utf8'), f).toBe(
        readFileSync(repoFile(`crds/${f}`), 'utf8'),
      );
  });

  it('passes helm lint, with and without the optional parts', async () => {
    await helm('lint', chart, '--strict', '--set', 'redis.url=redis://redis:6379,postgres.existingSecret=p');
    await helm(
      'lint',
      chart,
      '--strict',
      '--set',
      'redis.existingSecret=r,postgres.url=postgres://op@pg/scenic,watchNamespace=x,serviceMonitor.enabled=true,prometheusRule.enabled=true,dashboards.enabled=true,podMonitor.enabled=true,podMonitor.bearerTokenSecret.name=scenic-app,podMonitor.bearerTokenSecret.key=SCENIC_METRICS_TOKEN',
      '--set',
      ALERTING.join(','),
    );
  });

  it.each([
    ['logLevel=loud', 'logLevel'],
    ['replicaCount=-1', 'replicaCount'],
    ['redis.url=http://nope', 'redis/url'],
    ['unknownKey=1', 'unknownKey'],
    ['postgres.url=mysql://nope', 'postgres/url'],
    ['areas.hookAllowlist[0]=ftp://x', 'hookAllowlist'],
  ])('values.schema.json refuses %s', async (set, where) => {
    const err = (await template(chart, 'redis.existingSecret=r', 'postgres.existingSecret=p', set).catch(
      (e: unknown) => e,
    )) as {
      stderr?: string;
    };
    expect(err.stderr ?? '').toContain(where);
  });

  it('renders manifests the API server accepts (server-side dry-run)', async () => {
    const docs = await template(
      chart,
      'redis.url=redis://redis:6379',
      'postgres.existingSecret=p',
      `watchNamespace=${kube.namespace}`,
    );
    expect(docs.map((d) => d.kind).sort()).toEqual(
      [
        'ClusterRole',
        'ClusterRoleBinding',
        'CustomResourceDefinition',
        'CustomResourceDefinition',
        'Deployment',
        'NetworkPolicy',
        'NetworkPolicy',
        'NetworkPolicy',
        'NetworkPolicy',
        'PodDisruptionBudget',
        'Role',
        'Role',
        'RoleBinding',
        'RoleBinding',
        'Secret',
        'Service',
        'ServiceAccount',
      ].sort(),
    );
    for (const d of docs) await client.apply(pathOf(d), d, 'helm-test', { dryRun: true, force: true });
    const cluster = await template(
      chart,
      'redis.existingSecret=r',
      'postgres.existingSecret=p',
      'watchAllNamespaces=true',
    );
    expect(
      cluster
        .filter((d) => d.kind === 'ClusterRole')
        .map((d) => d.metadata.name)
        .sort(),
    ).toEqual([release, `${release}-crds`]);
    for (const d of cluster) await client.apply(pathOf(d), d, 'helm-test', { dryRun: true, force: true });
    const monitoring = await template(
      chart,
      'redis.existingSecret=r',
      'postgres.existingSecret=p',
      'serviceMonitor.enabled=true',
      'prometheusRule.enabled=true',
      'podMonitor.enabled=true',
      'podMonitor.bearerTokenSecret.name=scenic-app',
      'podMonitor.bearerTokenSecret.key=SCENIC_METRICS_TOKEN',
    );
    expect(monitoring.map((d) => d.kind)).toEqual(
      expect.arrayContaining(['ServiceMonitor', 'PrometheusRule', 'PodMonitor']),
    );
    // alerting.enabled: the Alertmanager configuration Secret (tests/observability checks its content)
    const alerting = (
      await template(chart, 'redis.existingSecret=r', 'postgres.existingSecret=p', ...ALERTING)
    ).filter((d) => d.metadata.name === `${release}-alertmanager`);
    expect(alerting.map((d) => d.kind)).toEqual(['Secret']);
    for (const d of alerting) await client.apply(pathOf(d), d, 'helm-test', { dryRun: true, force: true });
    // the PodMonitor finds what the operator runs: its selector matches an area's pod labels, and every
    // workload names a port it scrapes (API and gate "http", worker "metrics")
    const pm = monitoring.find((d) => d.kind === 'PodMonitor') as unknown as {
      spec: { selector: { matchLabels: Record<string, string> }; podMetricsEndpoints: { port: string }[] };
    };
    const a = area('scraped', kube.namespace, areaSpec({ partnerApi: { enabled: true } }));
    const kids = desiredChildren(a, resolveArea(a), {
      api: { min: 2, requested: 0, capped: false },
      worker: { min: 1, requested: 0, capped: false },
      by: [],
    });
    const workloads = kids.filter(
      (c) => c.rt.kind === 'Deployment' || c.rt.kind === 'DaemonSet',
    ) as unknown as {
      obj: {
        spec: {
          template: {
            metadata: { labels: Record<string, string> };
            spec: { containers: { ports?: { name?: string }[] }[] };
          };
        };
      };
    }[];
    expect(workloads.length).toBeGreaterThanOrEqual(4); // api, partner api, worker, a gate
    for (const w of workloads) {
      expect(w.obj.spec.template.metadata.labels).toMatchObject(pm.spec.selector.matchLabels);
      const names = w.obj.spec.template.spec.containers.flatMap((c) => (c.ports ?? []).map((p) => p.name));
      expect(names.some((n) => pm.spec.podMetricsEndpoints.some((e) => e.port === n))).toBe(true);
    }
  });

  it('17.13 watches the release namespace by default: a Role there, no cluster-wide read of ScenicAreas', async () => {
    const docs = await template(chart, 'redis.existingSecret=r', 'postgres.existingSecret=p');
    const clusterRoles = docs.filter((d) => d.kind === 'ClusterRole');
    expect(clusterRoles.map((d) => d.metadata.name)).toEqual([`${release}-crds`]);
    const role = docs.find((d) => d.kind === 'Role' && d.metadata.name === release);
    expect(role?.metadata.namespace).toBe(kube.namespace);
    const env = operatorEnv(docs);
    expect(env.WATCH_NAMESPACE).toBe(kube.namespace);
    // the platform's choices, never a tenant's: the chart's own image and no hook origin
    expect(env.SCENIC_IMAGE_ALLOWLIST).toBe('ghcr.io/scenic/scenic');
    expect(env.SCENIC_HOOK_ALLOWLIST).toBe('');
    expect(env.DATABASE_URL).toEqual({ secretKeyRef: { name: 'p', key: 'url' } });
    await expect(
      template(
        chart,
        'redis.existingSecret=r',
        'postgres.existingSecret=p',
        'watchAllNamespaces=true',
        'watchNamespace=x',
      ),
    ).rejects.toMatchObject({ stderr: expect.stringContaining('not both') as string });
  });

  it('20 points the operator at a Redis Cluster when redis.clusterNodes is set, and refuses a malformed list', async () => {
    const plain = operatorEnv(await template(chart, 'redis.existingSecret=r', 'postgres.existingSecret=p'));
    expect(plain).not.toHaveProperty('REDIS_CLUSTER_NODES');
    const nodes = 'redis-0.redis:6379,redis-1.redis:6379';
    const docs = await template(
      chart,
      'redis.existingSecret=r',
      'postgres.existingSecret=p',
      `redis.clusterNodes=${nodes.replace(/,/g, '\\,')}`,
    );
    expect(operatorEnv(docs).REDIS_CLUSTER_NODES).toBe(nodes);
    await expect(
      template(chart, 'redis.existingSecret=r', 'postgres.existingSecret=p', 'redis.clusterNodes=redis-0'),
    ).rejects.toMatchObject({ stderr: expect.stringContaining('clusterNodes') as string });
  });

  it('17.13 ships NetworkPolicies for the operator, the API, the workers and the gate agents', async () => {
    const docs = await template(chart, 'redis.existingSecret=r', 'postgres.existingSecret=p');
    const policies = docs.filter((d) => d.kind === 'NetworkPolicy') as unknown as (KubeObject & {
      spec: {
        podSelector: { matchLabels: Record<string, string> };
        policyTypes: string[];
        ingress: { ports?: { port: number }[] }[];
        egress: { ports?: { port: number }[]; to?: unknown[] }[];
      };
    })[];
    const byName = new Map(policies.map((p) => [p.metadata.name.slice(release.length + 1), p]));
    expect([...byName.keys()].sort()).toEqual(['area-api', 'area-gate', 'area-worker', 'operator']);
    for (const p of policies) {
      expect(p.metadata.namespace).toBe(kube.namespace);
      expect(p.spec.policyTypes).toEqual(['Ingress', 'Egress']);
      await client.apply(pathOf(p), p, 'helm-test', { dryRun: true, force: true });
    }
    const ports = (rules: { ports?: { port: number }[] }[]) =>
      rules.flatMap((r) => (r.ports ?? []).map((x) => x.port));
    // the gate agent: nothing in by default, and out only to DNS and the area's API (no Redis, no Postgres)
    const gate = byName.get('area-gate')!;
    expect(gate.spec.ingress).toEqual([]);
    expect(ports(gate.spec.egress).sort()).toEqual([53, 53, 8080]);
    expect(ports(byName.get('area-api')!.spec.ingress)).toEqual([8080]);
    expect(ports(byName.get('area-worker')!.spec.ingress)).toEqual([9464]);
    expect(ports(byName.get('operator')!.spec.egress)).toEqual(expect.arrayContaining([6379, 5432, 443]));
    // each selects what the operator runs: the labels of an area's pods (operator/area/children.ts)
    const a = area('np', kube.namespace, areaSpec());
    const kids = desiredChildren(a, resolveArea(a), {
      api: { min: 2, requested: 0, capped: false },
      worker: { min: 1, requested: 0, capped: false },
      by: [],
    }) as unknown as { obj: { spec?: { template?: { metadata: { labels: Record<string, string> } } } } }[];
    const components = kids
      .map((k) => k.obj.spec?.template?.metadata.labels)
      .filter((l): l is Record<string, string> => !!l)
      .map((l) => l['app.kubernetes.io/component']);
    expect(new Set(components)).toEqual(new Set(['api', 'worker', 'gate']));
    for (const [name, component] of [
      ['area-worker', 'worker'],
      ['area-gate', 'gate'],
    ] as const)
      expect(byName.get(name)!.spec.podSelector.matchLabels['app.kubernetes.io/component']).toBe(component);
  });

  it('turns every dashboards/*.json in the chart into a Grafana ConfigMap entry', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scenic-chart-'));
    try {
      cpSync(chart, dir, { recursive: true });
      writeFileSync(join(dir, 'dashboards', 'crowd.json'), JSON.stringify({ title: 'Crowd' }));
      const none = await template(dir, 'redis.existingSecret=r', 'postgres.existingSecret=p');
      expect(none.some((d) => d.metadata.name === `${release}-dashboards`)).toBe(false);
      const docs = await template(
        dir,
        'redis.existingSecret=r',
        'postgres.existingSecret=p',
        'dashboards.enabled=true',
      );
      const cm = docs.find((d) => d.metadata.name === `${release}-dashboards`) as unknown as {
        data: Record<string, string>;
        metadata: { labels: Record<string, string> };
      };
      expect(JSON.parse(cm.data['crowd.json']!)).toEqual({ title: 'Crowd' });
      expect(cm.metadata.labels.grafana_dashboard).toBe('1');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the operator with only the chart RBAC', () => {
  it('reconciles a ScenicArea using the chart ServiceAccount token, and can do nothing more', async () => {
    const docs = await template(
      chart,
      'redis.url=redis://redis:6379',
      'postgres.existingSecret=p',
      `watchNamespace=${kube.namespace}`,
    );
    for (const d of docs.filter((x) =>
      ['ServiceAccount', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding'].includes(x.kind!),
    ))
      await client.apply(pathOf(d), d, 'helm-test', { force: true });
    const { status } = await client.create<{ status: { token: string } }>(
      `/api/v1/namespaces/${kube.namespace}/serviceaccounts/${release}/token`,
      {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { expirationSeconds: 3600 },
      },
    );
    const cluster = kube.kc.getCurrentCluster()!;
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [cluster],
      users: [{ name: 'operator', token: status.token }],
      contexts: [{ name: 'operator', cluster: cluster.name, user: 'operator', namespace: kube.namespace }],
      currentContext: 'operator',
    });
    const asOperator = new KubeClient(kc);
    // Least privilege: no Secrets, nothing in other namespaces.
    await expect(asOperator.get(`/api/v1/namespaces/${kube.namespace}/secrets`)).rejects.toMatchObject({
      statusCode: 403,
    });
    await expect(asOperator.get(resourcePath(RT.deployment, 'default'))).rejects.toBeInstanceOf(KubeError);

    op = await runOperator({
      kc,
      redisUrl: redis.url,
      redisPrefix: redis.prefix,
      namespace: kube.namespace,
      leaseName: 'scenic-operator',
    });
    await applyAs(
      client,
      RT.area,
      area(
        'rbac',
        kube.namespace,
        areaSpec({ dataPlane: { ...areaSpec().dataPlane, redisPrefix: redis.prefix } }),
      ),
    );
    const a = await waitFor(async () => {
      const x = await client.get<ScenicArea>(resourcePath(RT.area, kube.namespace, 'rbac'));
      return x.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' ? x : undefined;
    }, 20_000);
    expect(a.status?.channels).toHaveLength(3);
    for (const [rt, name] of [
      [RT.deployment, 'rbac-api'],
      [RT.hpa, 'rbac-worker'],
      [RT.daemonSet, 'rbac-gate-north'],
    ] as const)
      expect(
        (await client.get<KubeObject>(resourcePath(rt, kube.namespace, name))).metadata.ownerReferences?.[0]
          ?.uid,
      ).toBe(a.metadata.uid);
    const events = await client.get<{ items: { reason: string; involvedObject: { name: string } }[] }>(
      `/api/v1/namespaces/${kube.namespace}/events`,
    );
    expect(events.items.some((e) => e.involvedObject.name === 'rbac' && e.reason === 'Created')).toBe(true);
    // Removing an entrance prunes its DaemonSet: the delete verb is granted for exactly that.
    await applyAs(
      client,
      RT.area,
      area(
        'rbac',
        kube.namespace,
        areaSpec({ dataPlane: { ...areaSpec().dataPlane, redisPrefix: redis.prefix }, entrances: [] }),
      ),
    );
    await waitFor(async () =>
      client.get(resourcePath(RT.daemonSet, kube.namespace, 'rbac-gate-north')).then(
        () => false,
        (e: unknown) => e instanceof KubeError && e.statusCode === 404,
      ),
    );
    expect(op.isLeader).toBe(true);
  });
});
