/**
 * TypeScript shapes of the Scenic custom resources. They mirror `crds/*.yaml` field for
 * field: `types.test.ts` walks both (through the complete and minimal fixtures in
 * `fixtures.ts`) and fails on any drift. Optional here = not `required` in the schema;
 * fields with a schema default are optional in the spec types (the API server fills them).
 */
import type { CapacityLevel } from '../../core/inventory/events.js';

export const GROUP = 'scenic.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
/** Bumped with every schema change; the operator refuses to start against another revision. */
export const SCHEMA_REVISION = '3';
export const SCHEMA_REVISION_ANNOTATION = 'scenic.dev/schema-revision';
export const CRD_NAMES = { area: `scenicareas.${GROUP}`, window: `saleswindows.${GROUP}` } as const;

/** A refund or reschedule rule as the spec writes it (core/policies/model.ts validates it). */
export interface PolicyRuleSpec {
  allowed?: boolean;
  cutoff?: { kind: 'none' | 'slot_start' | 'hours_before'; hours?: number };
  fee?: { kind: 'percent' | 'fixed'; bps?: number; amount?: number };
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export type ConditionStatus = 'True' | 'False' | 'Unknown';
export interface Condition {
  type: string;
  status: ConditionStatus;
  observedGeneration?: number;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

export interface Resources {
  requests?: { cpu?: string; memory?: string };
  limits?: { cpu?: string; memory?: string };
}

export interface Scaling {
  minReplicas?: number;
  maxReplicas?: number;
  targetCPUUtilizationPercentage?: number;
  requestsPerSecondPerPod?: number;
  resources?: Resources;
}

export interface LevelAction {
  percent?: number;
  notice?: string;
}

export type ChannelKind = 'online' | 'partner' | 'onsite';
export type ThresholdLevel = Exclude<CapacityLevel, 'green'>;

export interface ChannelSpec {
  name: string;
  kind: ChannelKind;
  quota?: number;
  closeAt?: ThresholdLevel;
  windowed?: boolean;
  paused?: boolean;
  pauseReason?: string;
}

export interface SecretKeyRef {
  name: string;
  key?: string;
}

export interface ScenicAreaSpec {
  areaId?: string;
  image: string;
  imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  timezone?: string;
  capacity: { daily: number; instantaneous?: number };
  timeSlots?: { name: string; start: string; end: string; capacity: number }[];
  thresholds?: {
    yellow?: LevelAction;
    orange?: LevelAction;
    red?: LevelAction & { diversionPlan?: string };
  };
  channels?: ChannelSpec[];
  hooks?: { name: string; url: string; levels?: CapacityLevel[] }[];
  entrances?: { name: string; nodeSelector: Record<string, string>; lanes?: number }[];
  /** zones inside the park (issue 21): scan points (catalog entrances) and people counters feed each */
  zones?: {
    name: string;
    title: { zh: string; en: string };
    capacity: number;
    entrances?: string[];
    counters?: string[];
  }[];
  /** diversion between zones: pairs, LED/broadcast endpoints, flap control */
  diversion?: {
    pairs?: { from: string; to: string; message?: { zh: string; en: string } }[];
    signage?: { name: string; kind: 'led' | 'broadcast'; url: string }[];
    divertAt?: 'yellow' | 'orange' | 'red';
    hysteresisPct?: number;
    minHoldSeconds?: number;
  };
  /** per catalog product: refund/reschedule policy, visiting route, group tiers (issue 18; validated by core) */
  products?: {
    id: string;
    policy?: {
      refund?: PolicyRuleSpec & { partial?: boolean };
      reschedule?: PolicyRuleSpec & { freeCount?: number; maxCount?: number };
    };
    visitRoute?: string;
    group?: { minPersons: number; maxPersons: number; tiers: { fromPersons: number; unitPrice: number }[] };
  }[];
  /** days the area does not open: ISO weekdays (1 = Monday) and dates; sold in no channel */
  closures?: { weekdays?: number[]; dates?: string[] };
  dataPlane: {
    redisSecret: SecretKeyRef;
    postgresSecret: SecretKeyRef;
    redisPrefix?: string;
    /**
     * A Redis Cluster's seed nodes (`host:port,…`): the area's pods then use the cluster
     * (REDIS_CLUSTER_NODES), the `redisSecret` URL lending only its user, password and TLS.
     */
    redisClusterNodes?: string;
    envFromSecret?: string;
  };
  api?: Scaling;
  worker?: Scaling;
  /** API replicas of their own for OTAs (`/partner/v1`, `/octo`), apart from the public surge */
  partnerApi?: Scaling & { enabled?: boolean };
  gate?: { enabled?: boolean; resources?: Resources };
  preScale?: { headroom?: number; coolDownSeconds?: number };
}

export type ChannelState = 'Open' | 'Paused' | 'Closed';

/** A manual pause by staff (admin API, console): kept by the operator until staff resume it. */
export interface ChannelOverride {
  by: string;
  at: string;
  reason: string;
}

export interface ChannelStatus {
  name: string;
  state: ChannelState;
  reason: string;
  message?: string;
  closedDates?: string[];
  override?: ChannelOverride;
}

export interface LevelStatus {
  date: string;
  level: CapacityLevel;
  used?: number;
  capacity?: number;
  since?: string;
}

export interface WorkloadReplicas {
  min?: number;
  max?: number;
  current?: number;
  ready?: number;
}

export interface ScenicAreaStatus {
  observedGeneration?: number;
  areaId?: string;
  lastReconcileTime?: string;
  conditions?: Condition[];
  levels?: LevelStatus[];
  channels?: ChannelStatus[];
  gateAgents?: { desired?: number; ready?: number; offline?: number };
  replicas?: { api?: WorkloadReplicas; worker?: WorkloadReplicas; partnerApi?: WorkloadReplicas };
  preScaledBy?: string[];
}

export interface ScenicArea {
  apiVersion: typeof API_VERSION;
  kind: 'ScenicArea';
  metadata: ObjectMeta;
  spec: ScenicAreaSpec;
  status?: ScenicAreaStatus;
}

export type WindowPhase = 'Scheduled' | 'PreScaling' | 'Open' | 'Closed';

export interface SalesWindowSpec {
  areaRef: { name: string };
  opensAt: string;
  closesAt: string;
  channels: string[];
  products?: string[];
  expectedPeakRps: number;
  preScaleLeadSeconds?: number;
}

export interface AskedReplicas {
  requested?: number;
  ready?: number;
  capped?: boolean;
}

export interface SalesWindowStatus {
  observedGeneration?: number;
  phase?: WindowPhase;
  message?: string;
  phaseTimes?: { scheduled?: string; preScaling?: string; open?: string; closed?: string };
  scaleDownAt?: string;
  replicas?: { api?: AskedReplicas; worker?: AskedReplicas };
  conditions?: Condition[];
}

export interface SalesWindow {
  apiVersion: typeof API_VERSION;
  kind: 'SalesWindow';
  metadata: ObjectMeta;
  spec: SalesWindowSpec;
  status?: SalesWindowStatus;
}

/** Condition types and reasons: reused in Events, CamelCase, stable. */
export const ConditionType = { Ready: 'Ready', Progressing: 'Progressing', Degraded: 'Degraded' } as const;
