import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { ensureUp, runScript } from '../support/ha.js';
import { freePort, waitFor } from '../support/processes.js';

/** A stand-in for one `scenic api` process: /healthz answers 200, every other path names the backend. */
async function backend(name: string): Promise<{ server: Server; addr: string }> {
  const port = await freePort();
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', connection: 'close' });
    res.end(req.url === '/healthz' ? 'ok' : name);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, addr: `127.0.0.1:${port}` };
}

const close = (s: Server) => new Promise<void>((resolve) => s.close(() => resolve()));

describe('load balancer in front of N API processes (scripts/api-lb.sh)', () => {
  let url = '';
  const backends: { server: Server; addr: string }[] = [];
  const who = async (n: number): Promise<string[]> =>
    Promise.all(Array.from({ length: n }, async () => (await fetch(`${url}/v1/whoami`)).text()));

  beforeAll(async () => {
    backends.push(await backend('a'), await backend('b'));
    url = (
      await ensureUp(
        'api-lb',
        backends.map((b) => b.addr),
      )
    ).API_LB_URL!;
  }, 120_000);

  afterAll(async () => {
    await runScript('api-lb', ['down']).catch(() => undefined);
    await Promise.all(backends.map((b) => close(b.server)));
  });

  it('spreads requests over every healthy backend', async () => {
    await waitFor('both backends to be checked up', async () => new Set(await who(20)).size === 2);
    const answers = await who(40);
    expect(answers.filter((a) => a === 'a').length).toBeGreaterThan(5);
    expect(answers.filter((a) => a === 'b').length).toBeGreaterThan(5);
  });

  it('answers every request from the survivors when a backend dies', async () => {
    await close(backends[1]!.server);
    // Before the health check marks it down, a refused connection is retried elsewhere.
    const answers = await who(40);
    expect(answers.every((a) => a === 'a')).toBe(true);
  });

  it('takes a new set of backends with a graceful reload', async () => {
    const c = await backend('c');
    backends.push(c);
    await runScript('api-lb', ['up', backends[0]!.addr, c.addr]);
    await waitFor('the new backend to serve', async () => (await who(20)).includes('c'));
    expect(new Set(await who(40))).toEqual(new Set(['a', 'c']));
  });
});
