import type { Logger } from 'pino';
import type { Redis } from '../core/redis/client.js';
import type { Knex } from 'knex';
import type { TenancyPolicy } from './area/tenancy.js';
import type { Claims } from './dataplane/claims.js';
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
  /** the selling path's Postgres (declared fields, area id bindings); absent: not written */
  dataPlane?: { db: Knex };
  /** what areas may point the operator at (images, hooks) */
  tenancy: TenancyPolicy;
  /** which areas hold their area id on the data plane */
  claims: Claims;
  /** Enqueue an area in every controller that reconciles areas. */
  enqueueArea: (key: string) => void;
  enqueueSwitches: (key: string) => void;
}

export const OPERATOR_ACTOR = 'scenic-operator';
