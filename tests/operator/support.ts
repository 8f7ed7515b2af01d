import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type * as k8s from '@kubernetes/client-node';
import { pino } from 'pino';
import { parse } from 'yaml';
import { KubeClient, resourcePath, type KubeObject } from '../../operator/kube/client.js';
import { RT } from '../../operator/kube/resources.js';
import { startOperator, type OperatorHandle, type OperatorOptions } from '../../operator/operator.js';
import type { SalesWindow, ScenicArea, ScenicAreaSpec } from '../../operator/api/types.js';

export const repoFile = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));

/** Applies the CRDs (server-side, idempotent, shared by every test file) and waits until established. */
export async function applyCrds(kc: k8s.KubeConfig): Promise<void> {
  const client = new KubeClient(kc);
  for (const f of ['crds/scenicareas.yaml', 'crds/saleswindows.yaml']) {
    const crd = parse(readFileSync(repoFile(f), 'utf8')) as KubeObject;
    await client.apply(resourcePath(RT.crd, undefined, crd.metadata.name), crd, 'scenic-tests', {
      force: true,
    });
    await waitFor(async () => {
      const c = await client.get<{ status?: { conditions?: { type: string; status: string }[] } }>(
        resourcePath(RT.crd, undefined, crd.metadata.name),
      );
      return c.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True') || undefined;
    }, 20_000);
  }
}

export const quietLog = () => pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** Runs the operator in-process as it would run in a pod, scoped to one namespace. */
export function runOperator(
  opts: Partial<OperatorOptions> & Pick<OperatorOptions, 'kc' | 'redisUrl' | 'redisPrefix' | 'namespace'>,
): Promise<OperatorHandle> {
  return startOperator({
    identity: `test-${Math.random().toString(16).slice(2, 8)}`,
    leaseNamespace: opts.namespace!,
    log: quietLog(),
    resyncMs: 60_000,
    ...opts,
  });
}

/** Polls until `fn` returns a value (not undefined/false), or fails with the last error. */
export async function waitFor<T>(
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 15_000,
  everyMs = 100,
): Promise<T> {
  const t0 = Date.now();
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() - t0 > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms${last instanceof Error ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export function areaSpec(over: Partial<ScenicAreaSpec> = {}): ScenicAreaSpec {
  return {
    image: 'ghcr.io/scenic/scenic:test',
    capacity: { daily: 5000 },
    dataPlane: { redisSecret: { name: 'scenic-redis' }, postgresSecret: { name: 'scenic-postgres' } },
    channels: [
      { name: 'mini-program', kind: 'online' },
      { name: 'ota', kind: 'partner' },
      { name: 'box-office', kind: 'onsite' },
    ],
    entrances: [{ name: 'north', nodeSelector: { 'scenic.dev/entrance': 'north' } }],
    ...over,
  };
}

export function area(name: string, namespace: string, spec: ScenicAreaSpec): ScenicArea {
  return { apiVersion: 'scenic.dev/v1alpha1', kind: 'ScenicArea', metadata: { name, namespace }, spec };
}

export function salesWindow(name: string, namespace: string, spec: SalesWindow['spec']): SalesWindow {
  return { apiVersion: 'scenic.dev/v1alpha1', kind: 'SalesWindow', metadata: { name, namespace }, spec };
}

/** Creates or updates a resource as a test user would (server-side apply, own manager). */
export function applyAs<T extends KubeObject>(
  client: KubeClient,
  rt: (typeof RT)[keyof typeof RT],
  obj: T,
): Promise<T> {
  return client.apply(resourcePath(rt, obj.metadata.namespace, obj.metadata.name), obj, 'kubectl-test', {
    force: true,
  });
}

export interface CoreEvent {
  reason: string;
  message: string;
  type: string;
  involvedObject: { name: string; kind: string };
  firstTimestamp?: string;
}

export async function events(client: KubeClient, namespace: string): Promise<CoreEvent[]> {
  return (await client.get<{ items: CoreEvent[] }>(`/api/v1/namespaces/${namespace}/events`)).items;
}
