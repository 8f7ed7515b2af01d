import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useApi } from '../support/platform.js';
import { DIST } from './browser.js';

/** How the API serves the built pages (api/web.ts), without a browser. */
describe('web pages served by the API', () => {
  const api = useApi({ app: { rateLimits: false } });
  const get = (path: string, headers: Record<string, string> = { accept: 'text/html' }) =>
    fetch(api.url + path, { headers });
  afterEach(() => {
    delete process.env.SCENIC_WEB_DIST;
    delete process.env.SCENIC_WEB_GATE_AGENT_URL;
  });

  it.each(['/', '/orders', '/orders/0190a1b2-0000-7000-8000-000000000000'])(
    'answers %s with the visitor page, revalidated each time',
    async (path) => {
      const res = await get(path);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(await res.text()).toContain('<div id="app">');
    },
  );

  it('answers /staff with the staff page and caches hashed assets for a year', async () => {
    const staff = await (await get('/staff')).text();
    expect(staff).toContain('noindex');
    const asset = readdirSync(join(DIST, 'assets')).find((f) => f.endsWith('.js'))!;
    const res = await get(`/assets/${asset}`, {});
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  });

  it('leaves API paths and missing files to the API (problem+json, never the page)', async () => {
    for (const [path, status] of [
      ['/v1/nope', 404],
      ['/gate/v1/nope', 401],
      ['/assets/missing-abc.js', 404],
      ['/favicon.ico', 404],
    ] as const) {
      const res = await get(path);
      expect(res.status, path).toBe(status);
      expect(res.headers.get('content-type'), path).toContain('application/problem+json');
    }
  });

  it('says to run npm run build:web when the pages are not built', async () => {
    process.env.SCENIC_WEB_DIST = mkdtempSync(join(tmpdir(), 'scenic-no-web-'));
    try {
      const res = await get('/');
      expect(res.status).toBe(503);
      expect(await res.text()).toContain('npm run build:web');
    } finally {
      rmSync(process.env.SCENIC_WEB_DIST, { recursive: true, force: true });
    }
  });

  it('relays scans to the gate agent for staff keys only', async () => {
    const scan = (key?: string) =>
      fetch(`${api.url}/staff/agent/scan`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
        body: '{"qr":"x"}',
      });
    expect((await scan()).status).toBe(401);
    expect((await scan(await api.key('partner', 'web'))).status).toBe(403);
    const unconfigured = await scan(await api.key('gate'));
    expect(unconfigured.status).toBe(503);
    expect(((await unconfigured.json()) as { code: string }).code).toBe('gate_agent_not_configured');
    process.env.SCENIC_WEB_GATE_AGENT_URL = 'http://127.0.0.1:9'; // nothing listens on the discard port
    const down = await scan(await api.key('gate'));
    expect(down.status).toBe(503);
    expect(((await down.json()) as { code: string }).code).toBe('gate_agent_unreachable');
  });
});
