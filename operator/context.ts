import type { Logger } from 'pino';
import type { Redis } from 'ioredis';
import type { SalesWindow, ScenicArea } from './api/types.js';
import type { KubeClient, KubeObject, ResourceType } from './kube/client.js';
import type { Recorder } from './kube/events.js';
import type { Informer } from './kube/informer.js';
import type { ScenicMetrics } from '../core/telemetry/metrics.js';

/** The list-watch caches the controllers read (children filtered by the managed-by label). */
export interface Caches {
  areas: Informer<ScenicArea>;
  windows: Informer<SalesWindow>;
  children: Map<string, Informer<KubeObject>>; // by kind
}

export const childCache = (c: Caches, rt: ResourceType) => c.children.get(rt.kind)!;

/** Redis connections of the data plane, one per key prefix (areas may use different prefixes). */
export interface RedisPool {
  forPrefix(prefix: string): Redis;
}

/** What every controller gets: injected, so tests can swap any piece. */
export interface OperatorContext {
  client: KubeClient;
  caches: Caches;
  recorder: Recorder;
  redis: RedisPool;
  log: Logger;
  metrics: ScenicMetrics;
  now: () => Date;
  /** Enqueue an area in every controller that reconciles areas. */
  enqueueArea: (key: string) => void;
  enqueueSwitches: (key: string) => void;
}

export const OPERATOR_ACTOR = 'scenic-operator';
