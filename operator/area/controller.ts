import { resolveArea } from '../api/defaults.js';
import type { ScenicArea, ScenicAreaStatus } from '../api/types.js';
import { childCache, type OperatorContext } from '../context.js';
import { isNotFound, resourcePath, type KubeObject } from '../kube/client.js';
import { setConditions, type ConditionInput } from '../kube/conditions.js';
import type { ReconcileResult } from '../kube/controller.js';
import { AREA_LABEL, CHILD_KINDS, FIELD_MANAGER, RT } from '../kube/resources.js';
import { patchStatusIfChanged } from '../kube/status.js';
import { areaScale, windowsOf } from '../windows/schedule.js';
import { forgetDeclarations, syncDataPlane } from '../dataplane/sync.js';
import { desiredChildren, type Child } from './children.js';
import { areaPolicies, firstViolation } from './policies.js';
import { areaConditions, gateAgents, type Workload } from './status.js';

const key = (o: KubeObject) => `${o.metadata.namespace}/${o.metadata.name}`;
/** Status is refreshed at least this often even when nothing else changed (lastReconcileTime). */
const HEARTBEAT_MS = 5 * 60_000;

/**
 * The children controller: ScenicArea → ConfigMap, Service, Deployments, HPAs (floor raised
 * by active SalesWindows), PDBs and gate DaemonSets, by server-side apply with one field
 * manager; prunes gate DaemonSets of removed entrances; writes Ready/Progressing/Degraded.
 * Level-triggered: it recomputes everything from the objects each time, and asks to be
 * requeued at the next instant a SalesWindow changes the floor.
 */
export function areaReconciler(ctx: OperatorContext) {
  return async (areaKey: string): Promise<ReconcileResult> => {
    const area = ctx.caches.areas.get(areaKey);
    if (!area) {
      await forgetDeclarations(ctx, areaKey);
      return {};
    }
    if (area.metadata.deletionTimestamp) return {};
    const a = resolveArea(area);
    const now = ctx.now();
    const policy = firstViolation(areaPolicies, {
      area,
      resolved: a,
      others: ctx.caches.areas.list(),
      tenancy: ctx.tenancy,
    });
    // the declared fields reach the selling path first (they matter within the second; pods take longer)
    const dataPlane = policy ? undefined : await syncDataPlane(ctx, area, a);
    const violation = policy ?? dataPlane?.violation;
    if (violation) {
      ctx.claims.record(area, false);
      if (area.status?.conditions?.find((c) => c.type === 'Ready')?.reason !== violation.reason)
        ctx.recorder.event(area, 'Warning', violation.reason, violation.message);
      await writeStatus(
        ctx,
        area,
        { areaId: a.areaId },
        [
          ...areaConditions({ violation, applyFailures: [], childCount: 0, deployments: [], daemonSets: [] }),
          dataPlane?.condition ?? {
            type: 'DataPlaneSynced',
            status: 'False',
            reason: violation.reason,
            message: 'nothing is written for this area until the spec is fixed',
          },
        ],
        now,
      );
      return {};
    }

    const scale = areaScale(a, windowsOf(a.name, a.namespace, ctx.caches.windows.list()), now.getTime());
    const children = desiredChildren(area, a, scale);
    const failures: string[] = [];
    const created: string[] = [];
    for (const child of children) {
      const existed = childCache(ctx.caches, child.rt).get(key(child.obj));
      try {
        await ctx.client.apply(
          resourcePath(child.rt, a.namespace, child.obj.metadata.name),
          child.obj,
          FIELD_MANAGER,
          { force: true },
        );
        if (!existed) created.push(`${child.rt.kind} ${child.obj.metadata.name}`);
        else noteFloorChange(ctx, area, child, existed, scale.by);
      } catch (err) {
        failures.push(`${child.rt.kind} ${child.obj.metadata.name}: ${(err as Error).message}`);
      }
    }
    const pruned = await pruneUnwanted(ctx, area, children);
    if (created.length) ctx.recorder.event(area, 'Normal', 'Created', `created ${created.join(', ')}`);
    if (pruned.length)
      ctx.recorder.event(
        area,
        'Normal',
        'Pruned',
        `deleted ${pruned.join(', ')} (no longer in the spec: entrance removed, gate or partner API disabled)`,
      );
    if (failures.length)
      ctx.recorder.event(area, 'Warning', 'ApplyFailed', failures.join('; ').slice(0, 1000));

    const mine = (rtKind: string) =>
      children
        .filter((c) => c.rt.kind === rtKind)
        .map((c) => childCache(ctx.caches, c.rt).get(key(c.obj)))
        .filter((w): w is Workload => !!w);
    const deployments = mine('Deployment');
    const daemonSets = mine('DaemonSet');
    const byName = (n: string) => deployments.find((d) => d.metadata.name === `${a.name}-${n}`)?.status;
    await writeStatus(
      ctx,
      area,
      {
        areaId: a.areaId,
        replicas: {
          api: {
            min: scale.api.min,
            max: a.api.maxReplicas,
            current: byName('api')?.replicas ?? 0,
            ready: byName('api')?.readyReplicas ?? 0,
          },
          worker: {
            min: scale.worker.min,
            max: a.worker.maxReplicas,
            current: byName('worker')?.replicas ?? 0,
            ready: byName('worker')?.readyReplicas ?? 0,
          },
          ...(a.partnerApi
            ? {
                partnerApi: {
                  min: a.partnerApi.minReplicas,
                  max: a.partnerApi.maxReplicas,
                  current: byName('partner-api')?.replicas ?? 0,
                  ready: byName('partner-api')?.readyReplicas ?? 0,
                },
              }
            : {}),
        },
        gateAgents: gateAgents(daemonSets),
        preScaledBy: scale.by,
      },
      [
        ...areaConditions({ applyFailures: failures, childCount: children.length, deployments, daemonSets }),
        dataPlane!.condition,
      ],
      now,
    );
    if (failures.length) throw new Error(`apply failed: ${failures.join('; ')}`);
    // +10 ms: timers may fire a hair early relative to Date.now() rounding.
    return scale.nextAt !== undefined
      ? { requeueAfterMs: Math.max(0, scale.nextAt - now.getTime()) + 10 }
      : {};
  };
}

async function writeStatus(
  ctx: OperatorContext,
  area: ScenicArea,
  fields: Omit<Partial<ScenicAreaStatus>, 'conditions'>,
  conditions: ConditionInput[],
  now: Date,
) {
  const cur = area.status ?? {};
  const status: Partial<ScenicAreaStatus> = {
    ...fields,
    observedGeneration: area.metadata.generation,
    conditions: setConditions(cur.conditions, conditions, area.metadata.generation, now),
    lastReconcileTime: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
  // lastReconcileTime alone does not justify a write, except as a heartbeat.
  const heartbeat =
    !cur.lastReconcileTime || now.getTime() - Date.parse(cur.lastReconcileTime) > HEARTBEAT_MS;
  await patchStatusIfChanged(ctx.client, RT.area, area.metadata.namespace!, area.metadata.name, cur, status, {
    ignore: ['lastReconcileTime'],
    force: heartbeat,
  });
}

/** An Event when the HPA floor moves (pre-scale up, or restored after the cool-down). */
function noteFloorChange(
  ctx: OperatorContext,
  area: ScenicArea,
  child: Child,
  existed: KubeObject,
  by: string[],
) {
  if (child.rt.kind !== 'HorizontalPodAutoscaler') return;
  const before = (existed as { spec?: { minReplicas?: number } }).spec?.minReplicas;
  const after = (child.obj as { spec?: { minReplicas?: number } }).spec?.minReplicas;
  if (before === undefined || after === undefined || before === after) return;
  if (after > before)
    ctx.recorder.event(
      area,
      'Normal',
      'PreScaled',
      `${child.obj.metadata.name} minReplicas ${before} → ${after} for SalesWindow ${by.join(', ')}`,
    );
  else
    ctx.recorder.event(
      area,
      'Normal',
      'FloorRestored',
      `${child.obj.metadata.name} minReplicas ${before} → ${after}${by.length ? ` (still raised by ${by.join(', ')})` : ''}`,
    );
}

/** Deletes children this area owns that its spec no longer asks for (gates of removed entrances, a disabled partner API). */
async function pruneUnwanted(ctx: OperatorContext, area: ScenicArea, children: Child[]): Promise<string[]> {
  const done: string[] = [];
  for (const rt of CHILD_KINDS) {
    const wanted = new Set(children.filter((c) => c.rt.kind === rt.kind).map((c) => c.obj.metadata.name));
    const stale = childCache(ctx.caches, rt)
      .list()
      .filter(
        (d) =>
          d.metadata.namespace === area.metadata.namespace &&
          d.metadata.labels?.[AREA_LABEL] === area.metadata.name &&
          d.metadata.ownerReferences?.some((o) => o.controller && o.uid === area.metadata.uid) &&
          !wanted.has(d.metadata.name),
      );
    for (const d of stale) {
      try {
        await ctx.client.delete(resourcePath(rt, d.metadata.namespace, d.metadata.name), {
          propagationPolicy: 'Background',
        });
        done.push(`${rt.kind} ${d.metadata.name}`);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }
  return done;
}
