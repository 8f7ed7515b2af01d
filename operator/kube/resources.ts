import type { ResourceType } from './client.js';

/** The kinds the operator reads or writes, and where they live. */
export const RT = {
  area: { group: 'scenic.dev', version: 'v1alpha1', plural: 'scenicareas', kind: 'ScenicArea' },
  window: { group: 'scenic.dev', version: 'v1alpha1', plural: 'saleswindows', kind: 'SalesWindow' },
  deployment: { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment' },
  daemonSet: { group: 'apps', version: 'v1', plural: 'daemonsets', kind: 'DaemonSet' },
  service: { group: '', version: 'v1', plural: 'services', kind: 'Service' },
  configMap: { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap' },
  hpa: {
    group: 'autoscaling',
    version: 'v2',
    plural: 'horizontalpodautoscalers',
    kind: 'HorizontalPodAutoscaler',
  },
  pdb: { group: 'policy', version: 'v1', plural: 'poddisruptionbudgets', kind: 'PodDisruptionBudget' },
  crd: {
    group: 'apiextensions.k8s.io',
    version: 'v1',
    plural: 'customresourcedefinitions',
    kind: 'CustomResourceDefinition',
  },
} as const satisfies Record<string, ResourceType>;

/** Child kinds of a ScenicArea (ConfigMap: only to prune the sales-policy ConfigMap of earlier releases). */
export const CHILD_KINDS = [RT.configMap, RT.service, RT.deployment, RT.hpa, RT.pdb, RT.daemonSet] as const;

export const FIELD_MANAGER = 'scenic-operator';
export const MANAGED_BY = 'scenic-operator';
export const AREA_LABEL = 'scenic.dev/area';
