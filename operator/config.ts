import { hostname } from 'node:os';
import { z } from 'zod';
import { parseInput } from '../core/validation.js';

/**
 * The operator's environment, validated at start: a bad value stops it with the variable's
 * name. The Kubernetes connection comes from KUBECONFIG, else the in-cluster service account.
 */
const Env = z.object({
  KUBECONFIG: z.string().min(1).optional(),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// URL'),
  /** the data plane's Redis Cluster (`host:port,…`), as core/config.ts reads it; REDIS_URL then lends its credentials */
  REDIS_CLUSTER_NODES: z
    .string()
    .regex(/^\s*[A-Za-z0-9.-]+:\d{1,5}\s*(,\s*[A-Za-z0-9.-]+:\d{1,5}\s*)*$/, 'must be host:port[,host:port…]')
    .optional(),
  /**
   * The selling path's Postgres, with the operator's own role (ADR 0010): it writes the
   * declared fields of areas and the area id bindings. No default: it is a credential.
   */
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
  DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/)
    .default('public'),
  /** Image repositories areas may run (comma-separated; `registry/prefix/` for a whole tree). */
  SCENIC_IMAGE_ALLOWLIST: z.string().min(1, 'name at least one image repository'),
  /** Origins capacity hooks may be posted to (comma-separated `https://host[:port]`, `https://*.domain`). */
  SCENIC_HOOK_ALLOWLIST: z.string().default(''),
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_-]*$/)
    .default('scenic:'),
  /** Watch one namespace only (namespaced RBAC); all namespaces when unset. */
  WATCH_NAMESPACE: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a namespace name')
    .optional(),
  POD_NAME: z.string().min(1).default(hostname()),
  LEASE_NAMESPACE: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a namespace name')
    .optional(),
  LEASE_NAME: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/)
    .default('scenic-operator'),
  /** /healthz, /readyz and /metrics; 0 disables. */
  OPERATOR_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(8081),
  OPERATOR_HTTP_HOST: z.string().default('0.0.0.0'),
  RESYNC_SECONDS: z.coerce.number().int().min(10).max(86_400).default(300),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
});

export type OperatorConfig = z.output<typeof Env>;

export function loadOperatorConfig(env: NodeJS.ProcessEnv = process.env): OperatorConfig {
  return parseInput(Env, env, 'invalid_config');
}
