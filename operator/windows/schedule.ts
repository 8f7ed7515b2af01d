import type { ResolvedArea } from '../api/defaults.js';
import type { SalesWindow, WindowPhase } from '../api/types.js';

/**
 * Where a SalesWindow stands at `now`, computed from its spec alone, so any replica at any
 * moment (a restart mid-window, a new leader) reaches the same answer:
 *
 *   Scheduled ──(opensAt − lead)──► PreScaling ──(opensAt)──► Open ──(closesAt)──► Closed
 *   floor raised:   [opensAt − lead, closesAt + coolDown)
 *   channels open:  [opensAt, closesAt)
 */
export interface WindowTimeline {
  phase: WindowPhase;
  /** The window raises the HPA floor now. */
  scaling: boolean;
  /** The window's channels sell now. */
  channelsOpen: boolean;
  scaleFrom: number;
  opensAt: number;
  closesAt: number;
  scaleUntil: number;
  /** The next instant this answer changes, if any. */
  nextAt?: number;
}

export function windowTimeline(w: SalesWindow, coolDownSeconds: number, now: number): WindowTimeline {
  const opensAt = Date.parse(w.spec.opensAt);
  const closesAt = Date.parse(w.spec.closesAt);
  const scaleFrom = opensAt - (w.spec.preScaleLeadSeconds ?? 900) * 1000;
  const scaleUntil = closesAt + coolDownSeconds * 1000;
  const t = { scaleFrom, opensAt, closesAt, scaleUntil };
  const scaling = now >= scaleFrom && now < scaleUntil;
  if (now < scaleFrom) return { ...t, phase: 'Scheduled', scaling, channelsOpen: false, nextAt: scaleFrom };
  if (now < opensAt) return { ...t, phase: 'PreScaling', scaling, channelsOpen: false, nextAt: opensAt };
  if (now < closesAt) return { ...t, phase: 'Open', scaling, channelsOpen: true, nextAt: closesAt };
  return {
    ...t,
    phase: 'Closed',
    scaling,
    channelsOpen: false,
    nextAt: now < scaleUntil ? scaleUntil : undefined,
  };
}

/** Pods needed for a peak: ceil(peak ÷ per-pod × headroom), at least 1. */
export function replicasFor(peakRps: number, perPodRps: number, headroom: number): number {
  return Math.max(1, Math.ceil((peakRps / perPodRps) * headroom - 1e-9));
}

export interface ScaleTarget {
  /** HPA minReplicas to apply. */
  min: number;
  /** What the windows asked for before capping (0 when none is active). */
  requested: number;
  capped: boolean;
}

export interface AreaScale {
  api: ScaleTarget;
  worker: ScaleTarget;
  /** Windows raising the floor now, by name. */
  by: string[];
  /** Next instant the scale changes. */
  nextAt?: number;
}

/** The HPA floors of an area at `now`: the normal floor, raised to the maximum any active window needs. */
export function areaScale(area: ResolvedArea, windows: SalesWindow[], now: number): AreaScale {
  let api = 0;
  let worker = 0;
  const by: string[] = [];
  let nextAt: number | undefined;
  for (const w of windows) {
    const t = windowTimeline(w, area.coolDownSeconds, now);
    if (t.nextAt !== undefined) nextAt = Math.min(nextAt ?? Infinity, t.nextAt);
    if (!t.scaling) continue;
    by.push(w.metadata.name);
    api = Math.max(api, replicasFor(w.spec.expectedPeakRps, area.api.requestsPerSecondPerPod, area.headroom));
    worker = Math.max(
      worker,
      replicasFor(w.spec.expectedPeakRps, area.worker.requestsPerSecondPerPod, area.headroom),
    );
  }
  const target = (requested: number, floor: number, max: number): ScaleTarget => ({
    min: Math.min(max, Math.max(floor, requested)),
    requested,
    capped: requested > max,
  });
  return {
    api: target(api, area.api.minReplicas, area.api.maxReplicas),
    worker: target(worker, area.worker.minReplicas, area.worker.maxReplicas),
    by: by.sort(),
    nextAt,
  };
}

/** Windows of an area (same namespace, areaRef by name). */
export const windowsOf = (areaName: string, namespace: string, windows: SalesWindow[]) =>
  windows.filter(
    (w) => w.spec.areaRef.name === areaName && (w.metadata.namespace ?? 'default') === namespace,
  );
