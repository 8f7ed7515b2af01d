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

  it('runs no gate agents when the gate is disabled', () => {
    expect(names(mk({ gate: { enabled: false } })).filter((n) => n.startsWith('DaemonSet'))).toEqual([]);
  });
});
