import type {
  V1Container,
  V1Deployment,
  V1EnvVar,
  V1PodDisruptionBudget,
  V1PodSpec,
  V1Service,
  V2HorizontalPodAutoscaler,
} from '@kubernetes/client-node';
import type { ResolvedArea, ResolvedScaling } from '../api/defaults.js';
import type { Resources, ScenicArea } from '../api/types.js';
import type { KubeObject, ResourceType } from '../kube/client.js';
import { RT } from '../kube/resources.js';
import type { AreaScale } from '../windows/schedule.js';
import { gateDaemonSet } from './gate-daemonset.js';
import { childName, labels, meta, resources, selectorLabels } from './meta.js';

export { childName, ownerRef, type Component } from './meta.js';

/** A child to server-side apply: where it goes and the fields the operator owns. */
export interface Child {
  rt: ResourceType;
  obj: KubeObject;
}

type Workload = 'api' | 'worker' | 'partner-api';

const API_PORT = 8080;
const WORKER_METRICS_PORT = 9464;

function env(a: ResolvedArea, extra: V1EnvVar[] = []): V1EnvVar[] {
  const dp = a.spec.dataPlane;
  return [
    { name: 'SCENIC_AREA_ID', value: a.areaId },
    {
      name: 'REDIS_URL',
      valueFrom: { secretKeyRef: { name: dp.redisSecret.name, key: dp.redisSecret.key ?? 'url' } },
    },
    { name: 'REDIS_PREFIX', value: a.redisPrefix },
    ...(dp.redisClusterNodes ? [{ name: 'REDIS_CLUSTER_NODES', value: dp.redisClusterNodes }] : []),
    {
      name: 'DATABASE_URL',
      valueFrom: { secretKeyRef: { name: dp.postgresSecret.name, key: dp.postgresSecret.key ?? 'url' } },
    },
    ...extra,
  ];
}

function container(
  a: ResolvedArea,
  role: string,
  res: Resources | undefined,
  extraEnv: V1EnvVar[],
  more: Partial<V1Container> = {},
): V1Container {
  const c: V1Container = {
    name: role,
    image: a.spec.image,
    imagePullPolicy: a.spec.imagePullPolicy ?? 'IfNotPresent',
    args: [role],
    env: env(a, extraEnv),
    volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    },
    ...resources(res),
    ...more,
  };
  if (a.spec.dataPlane.envFromSecret) c.envFrom = [{ secretRef: { name: a.spec.dataPlane.envFromSecret } }];
  return c;
}

function podSpec(a: ResolvedArea, c: V1Container, more: Partial<V1PodSpec> = {}): V1PodSpec {
  return {
    containers: [c],
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    volumes: [{ name: 'tmp', emptyDir: {} }],
    terminationGracePeriodSeconds: 30,
    ...more,
  };
}

function deployment(
  area: ScenicArea,
  a: ResolvedArea,
  component: Workload,
  s: ResolvedScaling,
): V1Deployment {
  const isApi = component !== 'worker';
  const c = container(
    a,
    isApi ? 'api' : 'worker',
    s.resources,
    isApi
      ? [
          { name: 'HOST', value: '0.0.0.0' },
          { name: 'PORT', value: String(API_PORT) },
          // the partner Deployment serves the partner doors only (core/config.ts SCENIC_API_ROUTES)
          ...(component === 'partner-api' ? [{ name: 'SCENIC_API_ROUTES', value: 'partner' }] : []),
        ]
      : [],
    isApi
      ? {
          ports: [{ name: 'http', containerPort: API_PORT }],
          // Probes wait 5 s for an answer, not Kubernetes' default 1 s: in a surge every pod's
          // event loop is busy and answers late but answers; with 1 s all of them failed their
          // probes at once and left the Service (measured behind HAProxy: bench:scale --surge).
          // A dead process refuses the connection at once, so it is still found in seconds.
          readinessProbe: {
            httpGet: { path: '/readyz', port: 'http' },
            periodSeconds: 5,
            timeoutSeconds: 5,
            failureThreshold: 3,
          },
          livenessProbe: {
            httpGet: { path: '/healthz', port: 'http' },
            periodSeconds: 10,
            timeoutSeconds: 5,
            failureThreshold: 3,
          },
        }
      : // its /metrics (workers/observability.ts), named for the chart's PodMonitor
        { ports: [{ name: 'metrics', containerPort: WORKER_METRICS_PORT }] },
  );
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(area, a, childName(a.name, component), component),
    // No `replicas`: the HPA owns it, and applying it would fight the autoscaler.
    spec: {
      selector: { matchLabels: selectorLabels(a, component) },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '25%' } },
      template: {
        metadata: { labels: labels(a, component) },
        spec: podSpec(a, c, {
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: 'kubernetes.io/hostname',
              whenUnsatisfiable: 'ScheduleAnyway',
              labelSelector: { matchLabels: selectorLabels(a, component) },
            },
          ],
        }),
      },
    },
  };
}

function hpa(
  area: ScenicArea,
  a: ResolvedArea,
  component: Workload,
  s: ResolvedScaling,
  min: number,
): V2HorizontalPodAutoscaler {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: meta(area, a, childName(a.name, component), component),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: childName(a.name, component) },
      minReplicas: min,
      maxReplicas: s.maxReplicas,
      metrics: [
        {
          type: 'Resource',
          resource: {
            name: 'cpu',
            target: { type: 'Utilization', averageUtilization: s.targetCPUUtilizationPercentage },
          },
        },
      ],
      behavior: {
        scaleUp: {
          stabilizationWindowSeconds: 0,
          selectPolicy: 'Max',
          policies: [
            { type: 'Percent', value: 100, periodSeconds: 15 },
            { type: 'Pods', value: 4, periodSeconds: 15 },
          ],
        },
        scaleDown: {
          stabilizationWindowSeconds: 300,
          selectPolicy: 'Min',
          policies: [{ type: 'Percent', value: 20, periodSeconds: 60 }],
        },
      },
    },
  };
}

function pdb(area: ScenicArea, a: ResolvedArea, component: Workload): V1PodDisruptionBudget {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: meta(area, a, childName(a.name, component), component),
    spec: {
      maxUnavailable: 1,
      selector: { matchLabels: selectorLabels(a, component) },
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    },
  };
}

/**
 * Everything a ScenicArea owns, as the operator wants it now. Pure: same input, same
 * output. What it declares for the selling path (capacity, slots, thresholds, channels)
 * is not a child: the operator writes it into the catalog (operator/dataplane/, ADR 0010);
 * the sales-policy ConfigMap of earlier releases, which nothing read, is pruned.
 */
export function desiredChildren(area: ScenicArea, a: ResolvedArea, scale: AreaScale): Child[] {
  const service = (component: 'api' | 'partner-api'): V1Service => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(area, a, childName(a.name, component), component),
    spec: {
      type: 'ClusterIP',
      selector: selectorLabels(a, component),
      ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }],
    },
  });
  const children: Child[] = [
    { rt: RT.service, obj: service('api') as KubeObject },
    { rt: RT.deployment, obj: deployment(area, a, 'api', a.api) as KubeObject },
    { rt: RT.deployment, obj: deployment(area, a, 'worker', a.worker) as KubeObject },
    { rt: RT.hpa, obj: hpa(area, a, 'api', a.api, scale.api.min) as KubeObject },
    { rt: RT.hpa, obj: hpa(area, a, 'worker', a.worker, scale.worker.min) as KubeObject },
    { rt: RT.pdb, obj: pdb(area, a, 'api') as KubeObject },
    { rt: RT.pdb, obj: pdb(area, a, 'worker') as KubeObject },
  ];
  if (a.partnerApi) {
    // not pre-scaled by SalesWindows: partner traffic does not surge with a presale
    children.push(
      { rt: RT.service, obj: service('partner-api') as KubeObject },
      { rt: RT.deployment, obj: deployment(area, a, 'partner-api', a.partnerApi) as KubeObject },
      { rt: RT.hpa, obj: hpa(area, a, 'partner-api', a.partnerApi, a.partnerApi.minReplicas) as KubeObject },
      { rt: RT.pdb, obj: pdb(area, a, 'partner-api') as KubeObject },
    );
  }
  if (a.gateEnabled)
    for (const e of a.spec.entrances ?? [])
      children.push({ rt: RT.daemonSet, obj: gateDaemonSet(area, a, e) as KubeObject });
  return children;
}
