import { hostname } from 'node:os';
import { metrics as metricsApi, type Meter } from '@opentelemetry/api';
import { node, resources } from '@opentelemetry/sdk-node';
import { MeterProvider, PeriodicExportingMetricReader, type MetricReader } from '@opentelemetry/sdk-metrics';
import {
  AlwaysOffSampler,
  BatchSpanProcessor,
  NoopSpanProcessor,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { METRICS, promType, type MetricDef, type Role } from './catalogue.js';
import { ScenicMetrics } from './metrics.js';
import { otlpExported } from './exported.js';

export const SCENIC_VERSION = process.env.SCENIC_VERSION ?? '0.1.0';

/**
 * The metrics a process serves on `/metrics`: the catalogue's instruments of its roles
 * on one meter provider with a Prometheus reader (served by the role itself).
 */
export interface MetricsRegistry {
  metrics: ScenicMetrics;
  meter: Meter;
  /** Prometheus text exposition of every metric of the roles */
  render(): Promise<string>;
  shutdown(): Promise<void>;
}

/** The telemetry of this process: one meter provider, one tracer provider, one registry. */
export interface Telemetry extends MetricsRegistry {
  role: Role;
}

export interface TelemetryOptions {
  role: Role;
  /** more roles served by this process (`scenic demo` runs the API and the workers) */
  alsoRoles?: readonly Role[];
  env?: NodeJS.ProcessEnv;
  /** instances from core/telemetry/instrument.ts (already hooked into their modules) */
  instrumentations?: readonly Instrumentation[];
  onError?: (source: string, err: unknown) => void;
}

/** What the SDK needs of an instrumentation (the instances of core/telemetry/instrument.ts). */
export interface Instrumentation {
  setTracerProvider(p: node.NodeTracerProvider): void;
  setMeterProvider(p: MeterProvider): void;
  enable(): void;
  disable(): void;
}

let current: Telemetry | undefined;

/**
 * Starts telemetry for a role, once per process (later calls return the first):
 *  - metrics: a Prometheus reader the role serves itself on `/metrics`, plus OTLP push
 *    every 30 s when `OTEL_EXPORTER_OTLP_(METRICS_)ENDPOINT` is set;
 *  - traces: W3C trace context always (so ids flow into jobs and webhooks and logs can
 *    be joined), recorded and exported by OTLP when `OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT`
 *    is set (sampled by `OTEL_TRACES_SAMPLER`), never recorded when it is not;
 *  - resource: service.name `scenic-<role>` (or OTEL_SERVICE_NAME), namespace, version,
 *    instance, plus OTEL_RESOURCE_ATTRIBUTES.
 */
export function startTelemetry(o: TelemetryOptions): Telemetry {
  if (current) return current;
  const env = o.env ?? process.env;
  const resource = resources
    .resourceFromAttributes({
      [ATTR_SERVICE_NAME]: env.OTEL_SERVICE_NAME ?? `scenic-${o.role}`,
      [ATTR_SERVICE_VERSION]: SCENIC_VERSION,
      'service.namespace': 'scenic',
      'service.instance.id': `${hostname()}-${process.pid}`,
      'scenic.role': o.role,
    })
    .merge(resources.detectResources({ detectors: [resources.envDetector] }));

  const registry = createMetricsRegistry({
    roles: [o.role, ...(o.alsoRoles ?? [])],
    resource,
    // pushed every 30 s as well when an OTLP endpoint is configured
    readers: otlpExported(env, 'METRICS')
      ? [
          new PeriodicExportingMetricReader({
            exporter: new OTLPMetricExporter(),
            exportIntervalMillis: 30_000,
          }),
        ]
      : [],
    onError: o.onError,
  });
  const meterProvider = registry.meterProvider;
  metricsApi.setGlobalMeterProvider(meterProvider);

  const exported = otlpExported(env, 'TRACES');
  const spanProcessors: SpanProcessor[] = exported
    ? [new BatchSpanProcessor(new OTLPTraceExporter())]
    : [new NoopSpanProcessor()];
  const tracerProvider = new node.NodeTracerProvider({
    resource,
    spanProcessors,
    // Spans nobody exports are not recorded: an unsampled span still carries a valid trace
    // and span id (logs, jobs and webhooks keep joining), without its attributes, events
    // and timing. bench:orders measured recorded-and-dropped spans at a fifth of the order
    // path (issue 19). With an exporter the SDK's own OTEL_TRACES_SAMPLER applies.
    ...(exported ? {} : { sampler: new AlwaysOffSampler() }),
  });
  // registers the tracer provider, the async-hooks context manager and the W3C propagator
  tracerProvider.register();
  for (const i of o.instrumentations ?? []) {
    i.setTracerProvider(tracerProvider);
    i.setMeterProvider(meterProvider);
    i.enable();
  }

  if (registry.metrics.has('scenic_build_info'))
    registry.metrics.collect('build', () =>
      Promise.resolve([
        { name: 'scenic_build_info', labels: { role: o.role, version: SCENIC_VERSION }, value: 1 },
      ]),
    );
  const t: Telemetry = {
    role: o.role,
    metrics: registry.metrics,
    meter: registry.meter,
    render: () => registry.render(),
    async shutdown() {
      for (const i of o.instrumentations ?? []) i.disable();
      await Promise.allSettled([meterProvider.shutdown(), tracerProvider.shutdown()]);
      if (current === t) current = undefined;
    },
  };
  current = t;
  return t;
}

/**
 * A metrics registry of its own (not the process-wide provider): `startTelemetry` builds
 * the process's on it, and an operator started in a test process gets one per instance.
 */
export function createMetricsRegistry(o: {
  roles: readonly Role[];
  resource?: ReturnType<typeof resources.resourceFromAttributes>;
  readers?: MetricReader[];
  onError?: (source: string, err: unknown) => void;
}): MetricsRegistry & { meterProvider: MeterProvider } {
  const prometheus = new PrometheusExporter({
    preventServerStart: true,
    withoutScopeInfo: true,
    withoutTargetInfo: true,
  });
  // The exporters were installed with a sibling patch release of sdk-metrics; the classes
  // are the same at run time but TypeScript sees two declarations, hence the casts.
  const readers: MetricReader[] = [prometheus as unknown as MetricReader, ...(o.readers ?? [])];
  const meterProvider = new MeterProvider({ resource: o.resource, readers });
  const meter = meterProvider.getMeter('scenic', SCENIC_VERSION);
  const metrics = new ScenicMetrics(o.roles, meter, { onError: o.onError });
  const serializer = new PrometheusSerializer(undefined, false, undefined, true, true);
  return {
    metrics,
    meter,
    meterProvider,
    async render() {
      const { resourceMetrics, errors } = await prometheus.collect();
      for (const e of errors) o.onError?.('collect', e);
      return withDeclaredFamilies(serializer.serialize(resourceMetrics), metrics.defs);
    },
    shutdown: () => meterProvider.shutdown(),
  };
}

/** The telemetry started in this process, if any. */
export const currentTelemetry = (): Telemetry | undefined => current;

/**
 * Declares (HELP and TYPE, no samples) every catalogued metric of the role that has no
 * series yet, so a scrape lists everything the role exports, e.g. a failure counter
 * before the first failure. Valid Prometheus text format.
 */
export function withDeclaredFamilies(text: string, defs: readonly MetricDef[]): string {
  const present = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]));
  const extra = defs
    .filter((d) => !present.has(d.name))
    .map((d) => `# HELP ${d.name} ${d.help}\n# TYPE ${d.name} ${promType(d.kind)}`);
  const body = text.trimEnd();
  return `${[body, ...extra].filter(Boolean).join('\n')}\n`;
}

/** Names of the metric families in a Prometheus text exposition. */
export function familiesOf(text: string): Set<string> {
  return new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
}

export { METRICS };
