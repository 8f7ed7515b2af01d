/**
 * Whether a signal is exported by OTLP (any of the standard endpoint variables, not
 * switched off). No imports: core/telemetry/instrument.ts reads it before the libraries
 * it patches are loaded.
 */
export const otlpExported = (env: NodeJS.ProcessEnv, signal: 'TRACES' | 'METRICS'): boolean =>
  env.OTEL_SDK_DISABLED !== 'true' &&
  !!(env.OTEL_EXPORTER_OTLP_ENDPOINT || env[`OTEL_EXPORTER_OTLP_${signal}_ENDPOINT`]) &&
  env[`OTEL_${signal}_EXPORTER`] !== 'none';

/**
 * Requests not worth a trace each: probes and scrapes, and the presale hot paths (hold,
 * queue status), where a span tree would cost more than the work — bench:presale
 * measured the API at a third of its untraced rate. Their rate and latency are in the
 * scenic_http_request_duration_seconds histogram instead.
 */
export const UNTRACED_REQUEST = /^\/(metrics|healthz|readyz|health)(\?|$)|^\/v1\/(presale\/holds|queue\/)/;
