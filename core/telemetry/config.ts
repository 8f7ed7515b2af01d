import { z } from 'zod';
import { parseInput } from '../validation.js';

/**
 * Telemetry settings from the environment, validated at start. The OpenTelemetry SDK
 * reads its own standard variables (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME,
 * OTEL_RESOURCE_ATTRIBUTES, OTEL_TRACES_SAMPLER, OTEL_SDK_DISABLED...).
 */
const Env = z.object({
  /** When set, `/metrics` on the API wants `Authorization: Bearer <token>` (the API port is public). */
  SCENIC_METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Port of `/metrics` for roles without an HTTP server of their own (the worker); 0 = none. */
  SCENIC_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  SCENIC_METRICS_HOST: z.string().default('0.0.0.0'),
  /** Capacity and ticket gauges cover today and this many days ahead (bounded label `day`). */
  SCENIC_METRICS_DAYS_AHEAD: z.coerce.number().int().min(0).max(90).default(7),
  /** "Online users": distinct visitors seen in this many minutes. */
  SCENIC_ONLINE_WINDOW_MINUTES: z.coerce.number().int().min(1).max(60).default(5),
});

export type TelemetryConfig = z.output<typeof Env>;

export function loadTelemetryConfig(env: NodeJS.ProcessEnv = process.env): TelemetryConfig {
  return parseInput(Env, env, 'invalid_config');
}
