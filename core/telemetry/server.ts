import { createServer, type Server } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { Telemetry } from './sdk.js';

/**
 * A tiny HTTP server for roles that have none of their own (the worker): `/metrics`
 * (Prometheus text; bearer token when given) and `/healthz`.
 */
export async function serveMetrics(
  t: Telemetry,
  o: { port: number; host: string; token?: string },
): Promise<Server> {
  const expected = o.token ? Buffer.from(`Bearer ${o.token}`) : undefined;
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/healthz')
      return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    if (req.method !== 'GET' || path !== '/metrics') return void res.writeHead(404).end();
    const got = Buffer.from(req.headers.authorization ?? '');
    if (expected && (got.length !== expected.length || !timingSafeEqual(got, expected)))
      return void res.writeHead(401, { 'www-authenticate': 'Bearer' }).end();
    t.render().then(
      (text) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(text),
      (e: unknown) =>
        res.writeHead(500).end(`# metrics failed: ${e instanceof Error ? e.message : String(e)}\n`),
    );
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(o.port, o.host, resolve));
  return server;
}
