import type { ConditionInput } from '../kube/conditions.js';
import type { KubeObject } from '../kube/client.js';
import type { PolicyViolation } from './policies.js';

/** Condition reasons of a ScenicArea: CamelCase, stable, reused as Event reasons. */
export const AreaReason = {
  Reconciled: 'Reconciled',
  ApplyFailed: 'ApplyFailed',
  RollingOut: 'RollingOut',
  Stable: 'Stable',
  WorkloadFailing: 'WorkloadFailing',
  AsExpected: 'AsExpected',
} as const;

interface WorkloadStatus {
  replicas?: number;
  readyReplicas?: number;
  updatedReplicas?: number;
  desiredNumberScheduled?: number;
  numberReady?: number;
  observedGeneration?: number;
  conditions?: { type: string; status: string; reason?: string; message?: string }[];
}
export type Workload = KubeObject & { status?: WorkloadStatus };

export interface AreaObservation {
  violation?: PolicyViolation;
  applyFailures: string[];
  childCount: number;
  deployments: Workload[];
  daemonSets: Workload[];
}

/**
 * The three conditions from what the reconcile saw. How "Ready" is defined (an ADR-worthy
 * choice, see operator/README.md): Ready means the operator's part is done, every child
 * applied and in sync with this generation. Whether pods are up is the workloads' story,
 * told by Progressing (pods still rolling out) and Degraded (a workload reports failure),
 * with counts in status.replicas and status.gateAgents. So a cluster without nodes (or the
 * tests' API server, which runs no controllers) shows Ready=True, Progressing=True.
 */
export function areaConditions(o: AreaObservation): ConditionInput[] {
  if (o.violation) {
    return [
      { type: 'Ready', status: 'False', ...o.violation },
      {
        type: 'Progressing',
        status: 'False',
        reason: o.violation.reason,
        message: 'fix the spec to continue',
      },
      { type: 'Degraded', status: 'True', ...o.violation },
    ];
  }
  if (o.applyFailures.length) {
    const message = o.applyFailures.join('; ').slice(0, 2000);
    return [
      { type: 'Ready', status: 'False', reason: AreaReason.ApplyFailed, message },
      {
        type: 'Progressing',
        status: 'True',
        reason: AreaReason.ApplyFailed,
        message: 'retrying with backoff',
      },
      { type: 'Degraded', status: 'True', reason: AreaReason.ApplyFailed, message },
    ];
  }
  const failing = o.deployments.flatMap((d) =>
    (d.status?.conditions ?? [])
      .filter(
        (c) =>
          (c.type === 'Progressing' && c.status === 'False') ||
          (c.type === 'ReplicaFailure' && c.status === 'True'),
      )
      .map((c) => `${d.metadata.name}: ${c.reason ?? c.type}${c.message ? ` (${c.message})` : ''}`),
  );
  const waiting = [
    ...o.deployments
      .filter((d) => (d.status?.readyReplicas ?? 0) < (d.status?.replicas ?? 1))
      .map((d) => `${d.metadata.name} ${d.status?.readyReplicas ?? 0}/${d.status?.replicas ?? '?'} ready`),
    ...o.daemonSets
      .filter((d) => (d.status?.numberReady ?? 0) < (d.status?.desiredNumberScheduled ?? 0))
      .map(
        (d) => `${d.metadata.name} ${d.status?.numberReady ?? 0}/${d.status?.desiredNumberScheduled} ready`,
      ),
  ];
  return [
    {
      type: 'Ready',
      status: 'True',
      reason: AreaReason.Reconciled,
      message: `all ${o.childCount} children applied and in sync`,
    },
    waiting.length
      ? {
          type: 'Progressing',
          status: 'True',
          reason: AreaReason.RollingOut,
          message: `waiting for pods: ${waiting.join(', ')}`,
        }
      : {
          type: 'Progressing',
          status: 'False',
          reason: AreaReason.Stable,
          message: 'every workload is ready',
        },
    failing.length
      ? { type: 'Degraded', status: 'True', reason: AreaReason.WorkloadFailing, message: failing.join('; ') }
      : {
          type: 'Degraded',
          status: 'False',
          reason: AreaReason.AsExpected,
          message: 'no workload reports a failure',
        },
  ];
}

export function gateAgents(daemonSets: Workload[]) {
  const desired = daemonSets.reduce((n, d) => n + (d.status?.desiredNumberScheduled ?? 0), 0);
  const ready = daemonSets.reduce((n, d) => n + (d.status?.numberReady ?? 0), 0);
  return { desired, ready, offline: Math.max(0, desired - ready) };
}
