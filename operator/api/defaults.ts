import type { ChannelSpec, ScenicArea, ScenicAreaSpec, Scaling, ThresholdLevel } from './types.js';

/**
 * The spec with every schema default filled in. The API server applies the same defaults,
 * but resources written before a default existed (or by a dry-run client) may lack them,
 * so the operator never relies on that.
 */
export interface ResolvedScaling {
  minReplicas: number;
  maxReplicas: number;
  targetCPUUtilizationPercentage: number;
  requestsPerSecondPerPod: number;
  resources: NonNullable<Scaling['resources']>;
}

export interface ResolvedArea {
  name: string;
  namespace: string;
  areaId: string;
  spec: ScenicAreaSpec;
  timezone: string;
  redisPrefix: string;
  thresholds: Record<ThresholdLevel, number>;
  api: ResolvedScaling;
  worker: ResolvedScaling;
  /** the partner API Deployment, when enabled */
  partnerApi?: ResolvedScaling;
  gateEnabled: boolean;
  headroom: number;
  coolDownSeconds: number;
}

const scaling = (s: Scaling | undefined, d: { min: number; max: number; rps: number }): ResolvedScaling => ({
  minReplicas: s?.minReplicas ?? d.min,
  maxReplicas: s?.maxReplicas ?? d.max,
  targetCPUUtilizationPercentage: s?.targetCPUUtilizationPercentage ?? 70,
  requestsPerSecondPerPod: s?.requestsPerSecondPerPod ?? d.rps,
  resources: s?.resources ?? {},
});

export function resolveArea(area: ScenicArea): ResolvedArea {
  const s = area.spec;
  return {
    name: area.metadata.name,
    namespace: area.metadata.namespace ?? 'default',
    areaId: s.areaId ?? area.metadata.name,
    spec: s,
    timezone: s.timezone ?? 'Asia/Shanghai',
    redisPrefix: s.dataPlane.redisPrefix ?? 'scenic:',
    thresholds: {
      yellow: s.thresholds?.yellow?.percent ?? 70,
      orange: s.thresholds?.orange?.percent ?? 85,
      red: s.thresholds?.red?.percent ?? 100,
    },
    api: scaling(s.api, { min: 2, max: 10, rps: 200 }),
    worker: scaling(s.worker, { min: 1, max: 5, rps: 500 }),
    partnerApi: s.partnerApi?.enabled ? scaling(s.partnerApi, { min: 2, max: 6, rps: 100 }) : undefined,
    gateEnabled: s.gate?.enabled ?? true,
    headroom: s.preScale?.headroom ?? 1.5,
    coolDownSeconds: s.preScale?.coolDownSeconds ?? 300,
  };
}

/** The level at which a channel stops: as declared, else onsite at red and the rest at orange. */
export const closeLevelOf = (c: ChannelSpec): ThresholdLevel =>
  c.closeAt ?? (c.kind === 'onsite' ? 'red' : 'orange');
