import { z } from 'zod';
import { parseInput } from '../validation.js';

/**
 * Telemetry settings from the environment, validated at start. The OpenTelemetry SDK
 * reads its own standard variables (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME,
 * OTEL_RESOURCE_ATTRIBUTES, OTEL_TRACES_SAMPLER, OTEL_SDK_DISABLED...).
 */
const Env = z.object({
  /**
   * The scrape token. Metrics are closed without it: the API's public port has no
   * `/metrics` at all, and the worker's listener binds loopback only. With it, every
   * `/metrics` wants `Authorization: Bearer <token>` (the chart's PodMonitor sends it).
   */
  SCENIC_METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Port of `/metrics` for roles without an HTTP server of their own (the worker); 0 = none. */
  SCENIC_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  /**
   * Address of that listener. Unset: all interfaces when a token is set, else 127.0.0.1
   * (reachable from inside the pod only). Set it to open the port without a token, e.g.
   * behind a NetworkPolicy that lets only Prometheus in.
   */
  SCENIC_METRICS_HOST: z.string().min(1).optional(),
  /** Capacity and ticket gauges cover today and this many days ahead (bounded label `day`). */
  SCENIC_METRICS_DAYS_AHEAD: z.coerce.number().int().min(0).max(90).default(7),
  /** "Online users": distinct visitors seen in this many minutes. */
  SCENIC_ONLINE_WINDOW_MINUTES: z.coerce.number().int().min(1).max(60).default(5),
});

export type TelemetryConfig = Omit<z.output<typeof Env>, 'SCENIC_METRICS_HOST'> & {
  SCENIC_METRICS_HOST: string;
};

export function loadTelemetryConfig(env: NodeJS.ProcessEnv = process.env): TelemetryConfig {
  const e = parseInput(Env, env, 'invalid_config');
  return {
    ...e,
    SCENIC_METRICS_HOST: e.SCENIC_METRICS_HOST ?? (e.SCENIC_METRICS_TOKEN ? '0.0.0.0' : '127.0.0.1'),
  };
}
