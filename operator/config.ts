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
