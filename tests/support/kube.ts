import { afterAll, beforeAll } from 'vitest';
import * as k8s from '@kubernetes/client-node';
import { kubeconfigPath, uniqueSuffix } from './services.js';

export interface TestKube {
  kc: k8s.KubeConfig;
  namespace: string;
  core: k8s.CoreV1Api;
  objects: k8s.KubernetesObjectApi;
}

/**
 * A real kube-apiserver and a namespace of this file's own. The test API server runs
 * no controllers, so namespaces are not garbage-collected: they are deleted best-effort.
 */
export function useKube(): TestKube {
  const ctx = {} as TestKube;
  beforeAll(async () => {
    ctx.kc = new k8s.KubeConfig();
    ctx.kc.loadFromFile(await kubeconfigPath());
    ctx.core = ctx.kc.makeApiClient(k8s.CoreV1Api);
    ctx.objects = k8s.KubernetesObjectApi.makeApiClient(ctx.kc);
    ctx.namespace = `t-${uniqueSuffix()}`;
    await ctx.core.createNamespace({ body: { metadata: { name: ctx.namespace } } });
  });
  afterAll(async () => {
    if (!ctx.core) return;
    await ctx.core.deleteNamespace({ name: ctx.namespace }).catch(() => undefined);
  });
  return ctx;
}
