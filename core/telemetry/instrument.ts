import { createRequire } from 'node:module';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { otlpExported, UNTRACED_REQUEST } from './exported.js';

/** Whether the http instrumentation makes the incoming requests' server spans (traces exported). */
const incomingSpans = otlpExported(process.env, 'TRACES');

/**
 * Side-effect module: patches http, ioredis and pg for tracing. It must be
 * the FIRST import of a role's main module (ES modules evaluate in import order), so
 * the libraries are patched before anything else loads them. An instrumentation hooks
 * its module as soon as it is constructed; `startTelemetry` registers these same
 * instances with the SDK later, and their tracers (global proxies) then report to it.
 *
 * ioredis and express are CommonJS packages imported from ES modules, which the
 * require hook does not see; requiring them once here lets the hook patch the very
 * objects the ES imports receive. pg is required by knex and needs nothing more.
 */
export const instrumentations =
  process.env.OTEL_SDK_DISABLED === 'true'
    ? []
    : [
        new HttpInstrumentation({
          ignoreIncomingRequestHook: (req) => UNTRACED_REQUEST.test(req.url ?? ''),
          // With no trace exported, a server span per request is all cost: the API's
          // listener then only continues the caller's trace context (`inRequestTrace`,
          // core/telemetry/trace.ts), so jobs and webhooks still carry it. Outgoing
          // requests keep theirs either way (a webhook sends its traceparent).
          disableIncomingRequestInstrumentation: !incomingSpans,
        }),
        // No express instrumentation: a span per middleware layer on every request for
        // little insight; the http server span already names the route.
        new IORedisInstrumentation({ requireParentSpan: true }),
        new PgInstrumentation({ requireParentSpan: true }),
      ];

if (instrumentations.length) {
  const require = createRequire(import.meta.url);
  for (const m of ['ioredis']) {
    try {
      require(m);
    } catch {
      /* not installed in this image: nothing to patch */
    }
  }
}
