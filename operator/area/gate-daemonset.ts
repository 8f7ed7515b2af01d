import type { V1Container, V1DaemonSet, V1EnvVar } from '@kubernetes/client-node';
import type { ResolvedArea } from '../api/defaults.js';
import type { ScenicArea } from '../api/types.js';
import { childName, labels, meta, resources, selectorLabels } from './meta.js';

/** The gate agent's lane API, on the node's own address: turnstiles and handhelds are on the entrance's LAN. */
const GATE_PORT = 8090;
/** The gate agent's /metrics: a port of its own on the pod network (no hostPort). */
const GATE_METRICS_PORT = 9465;
/** Where the pod finds its node's credential: one key per node name in the entrance's Secret. */
const GATE_CREDENTIALS_DIR = '/etc/scenic/gate/credentials';
const GATE_JOURNAL_DIR = '/var/lib/scenic/gate';
/** The entrance Secret's key holding the lane devices' tokens (`<lane> <token>` per line). */
const LANE_TOKENS_KEY = 'lane-tokens';
/** The agent's user: the journal directory is given to it by the init container. */
const GATE_UID = 1000;

/**
 * The gate agent of one entrance, on every node its nodeSelector picks. An edge box may be
 * stolen, so its pod holds nothing of the platform: no database or Redis URL, no
 * envFromSecret (PII and lookup keys), no sales policy. It gets the centre's URL, its
 * journal path on the node, and its own device credential: the entrance's Secret
 * `<area>-gate-<entrance>` has one key per node name (`scenic gate register` once per
 * node), and the pod reads its node's key, so every node is a gate identity of its own
 * (lanes on one node share the agent; the ledger tells nodes apart).
 */
export function gateDaemonSet(
  area: ScenicArea,
  a: ResolvedArea,
  e: NonNullable<ScenicArea['spec']['entrances']>[number],
): V1DaemonSet {
  const name = childName(a.name, 'gate', e.name);
  const env: V1EnvVar[] = [
    { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
    { name: 'SCENIC_GATE_API_URL', value: `http://${childName(a.name, 'api')}.${a.namespace}.svc/gate/v1` },
    { name: 'SCENIC_GATE_CREDENTIAL_FILE', value: `${GATE_CREDENTIALS_DIR}/$(NODE_NAME)` },
    { name: 'SCENIC_GATE_JOURNAL', value: `${GATE_JOURNAL_DIR}/${a.areaId}-${e.name}.sqlite` },
    { name: 'SCENIC_GATE_HOST', value: '0.0.0.0' },
    { name: 'SCENIC_GATE_PORT', value: String(GATE_PORT) },
    // on the LAN, every lane device shows its token (gate/lane-access.ts): the Secret's `lane-tokens` key
    { name: 'SCENIC_GATE_LANE_TOKENS_FILE', value: `${GATE_CREDENTIALS_DIR}/${LANE_TOKENS_KEY}` },
    { name: 'SCENIC_GATE_METRICS_HOST', value: '0.0.0.0' },
    { name: 'SCENIC_GATE_METRICS_PORT', value: String(GATE_METRICS_PORT) },
  ];
  const locked = {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
  };
  const journal = { name: 'journal', mountPath: GATE_JOURNAL_DIR };
  const c: V1Container = {
    name: 'gate',
    image: a.spec.image,
    imagePullPolicy: a.spec.imagePullPolicy ?? 'IfNotPresent',
    args: ['gate'],
    env,
    volumeMounts: [
      journal,
      { name: 'credentials', mountPath: GATE_CREDENTIALS_DIR, readOnly: true },
      { name: 'tmp', mountPath: '/tmp' },
    ],
    ports: [
      { name: 'http', containerPort: GATE_PORT, hostPort: GATE_PORT, protocol: 'TCP' },
      // no hostPort: Prometheus reaches it over the pod network, the entrance LAN never does
      { name: 'metrics', containerPort: GATE_METRICS_PORT, protocol: 'TCP' },
    ],
    livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 10, failureThreshold: 3 },
    // ready once it holds signing keys and rules (from a sync or its journal): it can verify offline
    readinessProbe: { httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 5, failureThreshold: 3 },
    securityContext: locked,
    ...resources(a.spec.gate?.resources),
  };
  // The kubelet creates a hostPath directory root-owned; the agent runs as uid 1000 and
  // fsGroup does not apply to hostPath. This init container gives the directory to the
  // agent (root, but only CAP_CHOWN and CAP_FOWNER, no network, nothing else mounted).
  const prepare: V1Container = {
    name: 'journal-owner',
    image: a.spec.image,
    imagePullPolicy: a.spec.imagePullPolicy ?? 'IfNotPresent',
    args: ['gate', 'prepare-journal', '--dir', GATE_JOURNAL_DIR, '--owner', `${GATE_UID}:${GATE_UID}`],
    volumeMounts: [journal, { name: 'tmp', mountPath: '/tmp' }],
    securityContext: {
      ...locked,
      runAsNonRoot: false,
      runAsUser: 0,
      capabilities: { drop: ['ALL'], add: ['CHOWN', 'FOWNER'] },
    },
    resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '128Mi' } },
  };
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: meta(area, a, name, 'gate', e.name),
    spec: {
      selector: { matchLabels: selectorLabels(a, 'gate', e.name) },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
      template: {
        metadata: { labels: labels(a, 'gate', e.name) },
        spec: {
          initContainers: [prepare],
          containers: [c],
          // no ServiceAccount token: the agent talks to the centre with its device credential only
          automountServiceAccountToken: false,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: GATE_UID,
            runAsGroup: GATE_UID,
            // the credential files are group-readable by the agent (mode 0440 below)
            fsGroup: GATE_UID,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          nodeSelector: e.nodeSelector,
          // Edge nodes are usually tainted so nothing else lands there.
          tolerations: [{ key: 'scenic.dev/edge', operator: 'Exists', effect: 'NoSchedule' }],
          volumes: [
            { name: 'tmp', emptyDir: {} },
            { name: 'credentials', secret: { secretName: name, defaultMode: 0o440 } },
            // The offline journal must survive pod restarts: it lives on the node.
            {
              name: 'journal',
              hostPath: { path: `/var/lib/scenic/gate/${a.namespace}/${a.name}`, type: 'DirectoryOrCreate' },
            },
          ],
          terminationGracePeriodSeconds: 30,
        },
      },
    },
  };
}
