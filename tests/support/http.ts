import { Agent, request } from 'node:http';

/**
 * A tiny HTTP client for load-style tests: keep-alive sockets capped at `sockets`,
 * so thousands of concurrent requests queue in the client instead of overflowing the
 * server's accept backlog.
 */
export function httpClient(baseUrl: string, sockets = 128) {
  const agent = new Agent({ keepAlive: true, maxSockets: sockets });
  const u = new URL(baseUrl);
  return {
    send(
      method: string,
      path: string,
      body?: unknown,
      headers: Record<string, string> = {},
    ): Promise<{ status: number; body: Record<string, unknown> }> {
      const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      return new Promise((resolve, reject) => {
        const req = request(
          {
            agent,
            host: u.hostname,
            port: u.port,
            method,
            path,
            headers: {
              ...headers,
              ...(data ? { 'content-type': 'application/json', 'content-length': String(data.length) } : {}),
            },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8');
              resolve({
                status: res.statusCode ?? 0,
                body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
              });
            });
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(data);
      });
    },
    close: () => agent.destroy(),
  };
}

/** Deterministic PRNG (mulberry32) so a failing seed can be replayed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
