import type { ResolvedArea } from '../api/defaults.js';
import { API_VERSION, type Resources, type ScenicArea } from '../api/types.js';
import type { OwnerReference } from '../kube/client.js';
import { AREA_LABEL, MANAGED_BY } from '../kube/resources.js';

/** Names, labels and owner references every child of a ScenicArea carries. */
export type Component = 'api' | 'worker' | 'partner-api' | 'gate';
export const childName = (area: string, component: Component, entrance?: string) =>
  entrance ? `${area}-gate-${entrance}` : `${area}-${component}`;

export function ownerRef(area: ScenicArea): OwnerReference {
  return {
    apiVersion: API_VERSION,
    kind: 'ScenicArea',
    name: area.metadata.name,
    uid: area.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function selectorLabels(
  a: ResolvedArea,
  component: Component,
  entrance?: string,
): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'scenic',
    'app.kubernetes.io/instance': a.name,
    'app.kubernetes.io/component': component,
    ...(entrance ? { 'scenic.dev/entrance': entrance } : {}),
  };
}

export function labels(a: ResolvedArea, component: Component, entrance?: string): Record<string, string> {
  return {
    ...selectorLabels(a, component, entrance),
    'app.kubernetes.io/managed-by': MANAGED_BY,
    [AREA_LABEL]: a.name,
  };
}

export function meta(
  area: ScenicArea,
  a: ResolvedArea,
  name: string,
  component: Component,
  entrance?: string,
) {
  return {
    name,
    namespace: a.namespace,
    labels: labels(a, component, entrance),
    ownerReferences: [ownerRef(area)],
  };
}

/** A container's resources, when the spec gives any. */
export const resources = (r: Resources | undefined) =>
  r && (r.requests || r.limits) ? { resources: r } : {};
