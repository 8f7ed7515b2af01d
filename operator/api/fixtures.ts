/**
 * Complete and minimal examples of each resource, typed so the compiler forces them to
 * cover the TypeScript types exactly: `Complete<T>` makes every optional field required
 * (so a field added to the types must be added here), and object literals reject unknown
 * fields. `types.test.ts` then compares their field paths with the CRD schemas, so types
 * and YAML cannot drift apart. The complete examples are also valid resources.
 */
import type { SalesWindow, ScenicArea } from './types.js';

/** Every optional field made required, recursively (arrays and records included). */
export type Complete<T> = T extends (infer U)[]
  ? Complete<U>[]
  : T extends object
    ? { [K in keyof T]-?: Complete<T[K]> }
    : T;

const resources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } };
const condition = {
  type: 'Ready',
  status: 'True' as const,
  observedGeneration: 1,
  lastTransitionTime: '2025-01-01T00:00:00Z',
  reason: 'Reconciled',
  message: 'ok',
};

export const completeArea: Complete<Omit<ScenicArea, 'metadata'>> = {
  apiVersion: 'scenic.dev/v1alpha1',
  kind: 'ScenicArea',
  spec: {
    areaId: 'west-lake',
    image: 'ghcr.io/scenic/scenic:0.1.0',
    imagePullPolicy: 'IfNotPresent',
    timezone: 'Asia/Shanghai',
    capacity: { daily: 5000, instantaneous: 2000 },
    timeSlots: [{ name: 'morning', start: '08:00', end: '12:00', capacity: 2500 }],
    thresholds: {
      yellow: { percent: 70, notice: 'Almost full' },
      orange: { percent: 85, notice: 'Online sales paused' },
      red: { percent: 100, notice: 'Sold out', diversionPlan: 'Visit area B first' },
    },
    channels: [
      {
        name: 'mini-program',
        kind: 'online',
        quota: 3000,
        closeAt: 'orange',
        windowed: true,
        paused: true,
        pauseReason: 'maintenance',
      },
    ],
    hooks: [{ name: 'ops', url: 'https://hooks.example/scenic', levels: ['orange', 'red'] }],
    entrances: [{ name: 'north', nodeSelector: { 'scenic.dev/entrance': 'north' }, lanes: 4 }],
    zones: [
      {
        name: 'lake',
        title: { zh: '湖区', en: 'Lake' },
        capacity: 800,
        entrances: ['north-gate'],
        counters: ['cam-lake-1'],
      },
      { name: 'hill', title: { zh: '山区', en: 'Hill' }, capacity: 600, entrances: [], counters: [] },
    ],
    diversion: {
      pairs: [
        { from: 'lake', to: 'hill', message: { zh: '{from}人多，先去{to}', en: '{from} is busy, try {to}' } },
      ],
      signage: [{ name: 'lake-led', kind: 'led', url: 'https://signage.example.org/led/lake' }],
      divertAt: 'orange',
      hysteresisPct: 10,
      minHoldSeconds: 300,
    },
    products: [
      {
        id: 'adult',
        policy: {
          refund: {
            allowed: true,
            cutoff: { kind: 'hours_before', hours: 24 },
            fee: { kind: 'percent', bps: 1000, amount: 1 },
            partial: true,
          },
          reschedule: {
            allowed: true,
            cutoff: { kind: 'hours_before', hours: 2 },
            freeCount: 1,
            maxCount: 3,
            fee: { kind: 'fixed', bps: 1, amount: 500 },
          },
        },
        visitRoute: 'North Gate → Su Causeway → Broken Bridge',
        group: { minPersons: 10, maxPersons: 40, tiers: [{ fromPersons: 10, unitPrice: 7000 }] },
      },
    ],
    closures: { weekdays: [1], dates: ['2030-10-09'] },
    dataPlane: {
      redisSecret: { name: 'scenic-redis', key: 'url' },
      postgresSecret: { name: 'scenic-postgres', key: 'url' },
      redisPrefix: 'scenic:',
      redisClusterNodes: 'redis-0.redis:6379,redis-1.redis:6379,redis-2.redis:6379',
      envFromSecret: 'scenic-app',
    },
    api: {
      minReplicas: 2,
      maxReplicas: 20,
      targetCPUUtilizationPercentage: 70,
      requestsPerSecondPerPod: 200,
      resources,
    },
    worker: {
      minReplicas: 1,
      maxReplicas: 5,
      targetCPUUtilizationPercentage: 70,
      requestsPerSecondPerPod: 500,
      resources,
    },
    partnerApi: {
      enabled: true,
      minReplicas: 2,
      maxReplicas: 6,
      targetCPUUtilizationPercentage: 70,
      requestsPerSecondPerPod: 100,
      resources,
    },
    gate: { enabled: true, resources },
    preScale: { headroom: 1.5, coolDownSeconds: 300 },
  },
  status: {
    observedGeneration: 1,
    areaId: 'west-lake',
    lastReconcileTime: '2025-01-01T00:00:00Z',
    conditions: [condition],
    levels: [
      { date: '2025-01-01', level: 'yellow', used: 3600, capacity: 5000, since: '2025-01-01T00:00:00Z' },
    ],
    channels: [
      {
        name: 'mini-program',
        state: 'Paused',
        reason: 'ManualOverride',
        message: 'paused by staff:7',
        closedDates: ['2025-01-02'],
        override: { by: 'staff:7', at: '2025-01-01T08:00:00Z', reason: 'bus crash on the access road' },
      },
    ],
    gateAgents: { desired: 1, ready: 1, offline: 0 },
    replicas: {
      api: { min: 2, max: 20, current: 2, ready: 2 },
      worker: { min: 1, max: 5, current: 1, ready: 1 },
      partnerApi: { min: 2, max: 6, current: 2, ready: 2 },
    },
    preScaledBy: ['new-year-presale'],
  },
};

export const minimalArea: Omit<ScenicArea, 'metadata'> = {
  apiVersion: 'scenic.dev/v1alpha1',
  kind: 'ScenicArea',
  spec: {
    image: 'ghcr.io/scenic/scenic:0.1.0',
    capacity: { daily: 5000 },
    dataPlane: { redisSecret: { name: 'scenic-redis' }, postgresSecret: { name: 'scenic-postgres' } },
  },
};

export const completeWindow: Complete<Omit<SalesWindow, 'metadata'>> = {
  apiVersion: 'scenic.dev/v1alpha1',
  kind: 'SalesWindow',
  spec: {
    areaRef: { name: 'west-lake' },
    opensAt: '2025-01-01T03:00:00Z',
    closesAt: '2025-01-01T05:00:00Z',
    channels: ['mini-program'],
    products: ['adult'],
    expectedPeakRps: 4000,
    preScaleLeadSeconds: 900,
  },
  status: {
    observedGeneration: 1,
    phase: 'Open',
    message: 'ok',
    phaseTimes: {
      scheduled: '2025-01-01T00:00:00Z',
      preScaling: '2025-01-01T02:45:00Z',
      open: '2025-01-01T03:00:00Z',
      closed: '2025-01-01T05:00:00Z',
    },
    scaleDownAt: '2025-01-01T05:05:00Z',
    replicas: {
      api: { requested: 30, ready: 0, capped: false },
      worker: { requested: 12, ready: 0, capped: false },
    },
    conditions: [condition],
  },
};

export const minimalWindow: Omit<SalesWindow, 'metadata'> = {
  apiVersion: 'scenic.dev/v1alpha1',
  kind: 'SalesWindow',
  spec: {
    areaRef: { name: 'west-lake' },
    opensAt: '2025-01-01T03:00:00Z',
    closesAt: '2025-01-01T05:00:00Z',
    channels: ['mini-program'],
    expectedPeakRps: 4000,
  },
};
