import type { EventEmitter } from 'node:events';
import type { IncomingHttpHeaders } from 'node:http';
import {
  ROOT_CONTEXT,
  context,
  createContextKey,
  propagation,
  trace,
  SpanKind,
  SpanStatusCode,
  type Attributes,
  type Span,
} from '@opentelemetry/api';

/** W3C trace context (`traceparent`, `tracestate`) as a plain object, for job data and HTTP headers. */
export type TraceCarrier = Record<string, string>;

export const tracer = () => trace.getTracer('scenic');

/** The active trace context, serialised (empty when there is no active span). */
export function traceCarrier(): TraceCarrier {
  const carrier: TraceCarrier = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}

/**
 * Runs `fn` in a new span whose parent is the remote context in `carrier` (a job's or a
 * request's), or the active context when there is none. The span ends with `fn`, its
 * status set from the outcome.
 */
export async function inSpan<T>(
  name: string,
  opts: {
    parent?: TraceCarrier;
    kind?: 'internal' | 'consumer' | 'producer' | 'client';
    attributes?: Attributes;
  },
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = opts.parent ? propagation.extract(context.active(), opts.parent) : context.active();
  const kind = {
    internal: SpanKind.INTERNAL,
    consumer: SpanKind.CONSUMER,
    producer: SpanKind.PRODUCER,
    client: SpanKind.CLIENT,
  }[opts.kind ?? 'internal'];
  return tracer().startActiveSpan(name, { kind, attributes: opts.attributes }, parent, async (span) => {
    try {
      const out = await fn(span);
      span.setStatus({ code: SpanStatusCode.OK });
      return out;
    } catch (e) {
      span.recordException(e instanceof Error ? e : String(e));
      span.setStatus({ code: SpanStatusCode.ERROR, message: e instanceof Error ? e.message : String(e) });
      throw e;
    } finally {
      span.end();
    }
  });
}

/** The trace id a span-less stretch (`withoutChildSpans`) still belongs to, for its log lines. */
const TRACE_ID_WITHOUT_SPANS = createContextKey('scenic.trace-id-without-spans');

/** The trace id of the active span, for log lines (undefined outside a trace). */
export function activeTraceId(): string | undefined {
  const s = trace.getActiveSpan()?.spanContext();
  if (s && trace.isSpanContextValid(s)) return s.traceId;
  const kept = context.active().getValue(TRACE_ID_WITHOUT_SPANS);
  return typeof kept === 'string' ? kept : undefined;
}

/**
 * Runs `fn` with no active span, so the pg and ioredis instrumentations (which need a
 * parent) make no span per statement inside it; the caller's span still times the whole.
 * For hot paths only: bench:orders measured per-statement spans at a fifth of the order
 * path's throughput (issue 19). Log lines inside keep the trace id.
 */
export function withoutChildSpans<T>(fn: () => Promise<T>): Promise<T> {
  const id = activeTraceId();
  const bare = trace.deleteSpan(context.active());
  return context.with(id ? bare.setValue(TRACE_ID_WITHOUT_SPANS, id) : bare, fn);
}

/**
 * Runs `fn` in the trace of an incoming request that gets no server span (nothing exported,
 * so the http instrumentation makes none: core/telemetry/instrument.ts): the caller's
 * `traceparent` continued, or a new trace, under an unrecorded span with ids of its own.
 * Jobs, outbox events and webhooks started while serving it carry that trace, as they did
 * under the instrumentation's span, for a fraction of its cost (issue 19: the server span
 * and its metric were most of what tracing cost the order path with no exporter). The
 * request's own events (its body arriving) run in that context too.
 */
export function inRequestTrace(headers: IncomingHttpHeaders, request: EventEmitter, fn: () => void): void {
  const parent = propagation.extract(ROOT_CONTEXT, headers);
  const ctx = trace.setSpan(parent, tracer().startSpan('request', { kind: SpanKind.SERVER }, parent));
  context.bind(ctx, request);
  context.with(ctx, fn);
}
