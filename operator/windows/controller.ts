import { resolveArea } from '../api/defaults.js';
import type { SalesWindow, SalesWindowStatus, WindowPhase } from '../api/types.js';
import { childCache, type OperatorContext } from '../context.js';
import { setConditions } from '../kube/conditions.js';
import type { ReconcileResult } from '../kube/controller.js';
import { RT } from '../kube/resources.js';
import { patchStatusIfChanged } from '../kube/status.js';
import { firstViolation, windowPolicies } from '../area/policies.js';
import { replicasFor, windowTimeline } from './schedule.js';
import { configureWaitingRoom } from '../../core/presale/waiting-room.js';
import { admitted } from '../dataplane/claims.js';

const PHASE_KEY: Record<WindowPhase, keyof NonNullable<SalesWindowStatus['phaseTimes']>> = {
  Scheduled: 'scheduled',
  PreScaling: 'preScaling',
  Open: 'open',
  Closed: 'closed',
};
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * The SalesWindow controller: reports the window's phase (recomputed from its spec and the
 * clock, so restarts land in the same state), when each phase was seen to begin, and the
 * replicas it asks for and has. The HPA floors and channel switches it implies are applied
 * by the area's controllers, which it wakes on every phase change; it requeues itself at
 * the next boundary.
 */
export function windowReconciler(ctx: OperatorContext) {
  return async (key: string): Promise<ReconcileResult> => {
    const w = ctx.caches.windows.get(key);
    if (!w || w.metadata.deletionTimestamp) return {};
    const ns = w.metadata.namespace!;
    const areaKey = `${ns}/${w.spec.areaRef.name}`;
    const area = ctx.caches.areas.get(areaKey);
    const now = ctx.now();
    const cur = w.status ?? {};
    // a window of a refused area (17.13: another tenant's area id) opens no waiting room anywhere
    const violation =
      firstViolation(windowPolicies, { window: w, area }) ??
      (area && !(await admitted(area, ctx))
        ? {
            reason: 'AreaRefused',
            message: `ScenicArea ${area.metadata.name} is refused (see its Ready condition)`,
          }
        : undefined);
    const resolved = area ? resolveArea(area) : undefined;
    const t = windowTimeline(w, resolved?.coolDownSeconds ?? 0, now.getTime());

    const phaseTimes = { ...cur.phaseTimes };
    const slot = PHASE_KEY[t.phase];
    if (!phaseTimes[slot]) phaseTimes[slot] = iso(now.getTime());
    const status: Partial<SalesWindowStatus> = {
      observedGeneration: w.metadata.generation,
      phase: t.phase,
      phaseTimes,
      scaleDownAt: iso(t.scaleUntil),
    };
    if (resolved) {
      const deployment = (n: string) =>
        childCache(ctx.caches, RT.deployment).get(`${ns}/${resolved.name}-${n}`) as
          { status?: { readyReplicas?: number } } | undefined;
      const ask = (perPod: number, max: number, n: string) => {
        const requested = replicasFor(w.spec.expectedPeakRps, perPod, resolved.headroom);
        return { requested, ready: deployment(n)?.status?.readyReplicas ?? 0, capped: requested > max };
      };
      status.replicas = {
        api: ask(resolved.api.requestsPerSecondPerPod, resolved.api.maxReplicas, 'api'),
        worker: ask(resolved.worker.requestsPerSecondPerPod, resolved.worker.maxReplicas, 'worker'),
      };
    }
    status.message = violation?.message ?? describe(t.phase, t);
    status.conditions = setConditions(
      cur.conditions,
      [
        violation
          ? { type: 'Ready', status: 'False', ...violation }
          : { type: 'Ready', status: 'True', reason: t.phase, message: status.message },
      ],
      w.metadata.generation,
      now,
    );
    // The waiting room admits buyers at what the ready API replicas can serve (80 % of
    // their rated requests per second), so the rate rises as pre-scaled pods come up.
    let admissionRate: number | undefined;
    if (resolved && !violation && (t.phase === 'PreScaling' || t.phase === 'Open')) {
      const ready = Math.max(1, status.replicas?.api?.ready ?? 0);
      admissionRate = Math.max(1, Math.floor(ready * resolved.api.requestsPerSecondPerPod * 0.8));
      await configureWaitingRoom(
        ctx.redis.forPrefix(resolved.redisPrefix),
        resolved.areaId,
        {
          opensAt: new Date(t.opensAt),
          // the room closes with the window: no admission outlives the presale (issue 17 item 7)
          closesAt: new Date(t.closesAt),
          ratePerSecond: admissionRate,
          burst: admissionRate,
        },
        now,
      );
    }
    const phaseChanged = cur.phase !== t.phase;
    await patchStatusIfChanged(ctx.client, RT.window, ns, w.metadata.name, cur, status);
    if (violation) ctx.recorder.event(w, 'Warning', violation.reason, violation.message);
    if (phaseChanged) {
      const capped = status.replicas?.api?.capped || status.replicas?.worker?.capped;
      ctx.recorder.event(
        w,
        capped && t.phase === 'PreScaling' ? 'Warning' : 'Normal',
        t.phase,
        status.message + (capped ? ' (capped at maxReplicas)' : ''),
      );
      ctx.enqueueArea(areaKey);
      ctx.enqueueSwitches(areaKey);
    }
    if (t.nextAt === undefined) return {};
    const untilNext = Math.max(0, t.nextAt - now.getTime()) + 10;
    // while the room is open, follow the API's readiness every 10 s
    return { requeueAfterMs: admissionRate !== undefined ? Math.min(untilNext, 10_000) : untilNext };
  };
}

function describe(
  phase: WindowPhase,
  t: { scaleFrom: number; opensAt: number; closesAt: number; scaleUntil: number },
): string {
  switch (phase) {
    case 'Scheduled':
      return `pre-scales at ${iso(t.scaleFrom)}, opens at ${iso(t.opensAt)}`;
    case 'PreScaling':
      return `floor raised; opens at ${iso(t.opensAt)}`;
    case 'Open':
      return `channels open until ${iso(t.closesAt)}`;
    case 'Closed':
      return `closed at ${iso(t.closesAt)}; floor released at ${iso(t.scaleUntil)}`;
  }
}

/** Areas a window event concerns (both, when its areaRef changed). */
export function windowAreaKeys(...ws: (SalesWindow | undefined)[]): string[] {
  return [
    ...new Set(
      ws.filter((w): w is SalesWindow => !!w).map((w) => `${w.metadata.namespace}/${w.spec.areaRef.name}`),
    ),
  ];
}
