import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { context, propagation, trace } from '@opentelemetry/api';
import { startTelemetry } from '../../core/telemetry/sdk.js';
import { inRequestTrace, traceCarrier, tracer } from '../../core/telemetry/trace.js';

/** Starts telemetry as a role's main does, and undoes its global registrations afterwards. */
async function withTelemetry<T>(env: NodeJS.ProcessEnv, fn: () => T): Promise<T> {
  const t = startTelemetry({ role: 'api', env });
  try {
    return await fn();
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

  it("continues a request's trace without a server span: what its body's handler queues carries it", async () => {
    const seen: string[] = [];
    receiver = createServer((req, res) =>
      inRequestTrace(req.headers, req, () => {
        // read after the body has arrived, as a route behind the JSON parser does
        req.resume().on('end', () => {
          seen.push(traceCarrier().traceparent ?? 'none');
          res.end();
        });
      }),
    );
    await new Promise<void>((res) => receiver!.listen(0, '127.0.0.1', res));
    const { port } = receiver.address() as AddressInfo;
    const caller = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    await withTelemetry({}, async () => {
      for (const headers of [{ traceparent: caller }, {}] as Record<string, string>[])
        await fetch(`http://127.0.0.1:${port}/v1/orders`, { method: 'POST', body: '{"a":1}', headers });
    });
    const [continued, fresh] = seen.map((t) => /^00-([0-9a-f]{32})-([0-9a-f]{16})-(\d\d)$/.exec(t));
    // the caller's trace, a span id of its own, unsampled (nothing is recorded here)
    expect(continued?.[1]).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(continued?.[2]).not.toBe('b7ad6b7169203331');
    expect(continued?.[3]).toBe('00');
    // no traceparent: a new trace, still with valid ids
    expect(fresh?.[1]).toMatch(/^(?!0+$)[0-9a-f]{32}$/);
    expect(fresh?.[1]).not.toBe(continued?.[1]);
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
