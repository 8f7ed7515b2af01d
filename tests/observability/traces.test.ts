import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { context, propagation, trace } from '@opentelemetry/api';
import { startTelemetry } from '../../core/telemetry/sdk.js';
import { traceCarrier, tracer } from '../../core/telemetry/trace.js';

/** Starts telemetry as a role's main does, and undoes its global registrations afterwards. */
async function withTelemetry<T>(env: NodeJS.ProcessEnv, fn: () => T): Promise<T> {
  const t = startTelemetry({ role: 'api', env });
  try {
    return fn();
  } finally {
    await t.shutdown();
    trace.disable();
    context.disable();
    propagation.disable();
  }
}

describe('traces: recorded only where they go somewhere', () => {
  let receiver: Server | undefined;
  afterEach(() => new Promise<void>((res) => (receiver ? receiver.close(() => res()) : res())));

  it('records no span without an exporter, yet every span has ids that logs and jobs carry', async () => {
    await withTelemetry({}, () => {
      const span = tracer().startSpan('order');
      expect(span.isRecording()).toBe(false);
      const ids = span.spanContext();
      expect(trace.isSpanContextValid(ids)).toBe(true);
      // a job queued under it carries its trace, unsampled (flags 00)
      const carrier = trace.setSpan(context.active(), span);
      expect(context.with(carrier, traceCarrier).traceparent).toBe(`00-${ids.traceId}-${ids.spanId}-00`);
      span.end();
    });
  });

  it('records and exports spans by OTLP when an endpoint is set', async () => {
    const posts: string[] = [];
    receiver = createServer((req, res) => {
      posts.push(req.url ?? '');
      req.resume().on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    });
    await new Promise<void>((res) => receiver!.listen(0, '127.0.0.1', res));
    const { port } = receiver.address() as AddressInfo;
    // the exporter reads its endpoint from the process's environment, as in production
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${port}`;
    try {
      await withTelemetry(process.env, () => {
        const span = tracer().startSpan('order');
        expect(span.isRecording()).toBe(true);
        span.end();
      });
    } finally {
      delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
    }
    // shutdown flushes the batch
    expect(posts).toContain('/v1/traces');
  });
});
