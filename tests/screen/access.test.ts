import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../api/app.js';
import { newScreenToken } from '../../core/screen/access.js';
import { useApi } from '../support/platform.js';
import { seedScreenArea } from './support.js';

/**
 * Who may read /screen/v1, through the whole app: a trusted network (the caller's
 * address as Express sees it: a loopback proxy's X-Forwarded-For), a screen token, and
 * closed when neither is configured. The access is read when the app is built, so each
 * case builds an app with its own environment.
 */
const api = useApi({ app: { rateLimits: false } });
const { token, sha256 } = newScreenToken();
const servers: Server[] = [];

async function serve(env: Record<string, string>): Promise<string> {
  const keys = ['SCENIC_SCREEN_TRUSTED_NETWORKS', 'SCENIC_SCREEN_TOKEN_SHA256'] as const;
  const saved = keys.map((k) => process.env[k]);
  for (const k of keys) delete process.env[k];
  Object.assign(process.env, env);
  try {
    const { handler } = createApp(api.platform, { loopLag: { ms: 0 }, rateLimits: false });
    const server = createServer(handler);
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  } finally {
    keys.forEach((k, i) => (saved[i] === undefined ? delete process.env[k] : (process.env[k] = saved[i])));
  }
}

const get = async (base: string, path: string, headers: Record<string, string> = {}) => {
  const r = await fetch(`${base}${path}`, { headers });
  const ct = r.headers.get('content-type') ?? '';
  const body = ct.includes('json') ? ((await r.json()) as Record<string, unknown>) : {};
  return { status: r.status, ct, body };
};

describe('crowd screen access', () => {
  let trusted: string;
  let tokened: string;
  let closed: string;
  beforeAll(async () => {
    await seedScreenArea(api, 'scr-a');
    trusted = await serve({ SCENIC_SCREEN_TRUSTED_NETWORKS: '10.9.0.0/16' });
    tokened = await serve({ SCENIC_SCREEN_TOKEN_SHA256: sha256 });
    closed = await serve({});
  });
  afterAll(async () => {
    for (const s of servers) {
      s.closeAllConnections();
      await new Promise<void>((r) => s.close(() => r()));
    }
  });

  it('opens to a trusted network with no credential', async () => {
    const r = await get(trusted, '/screen/v1/areas/scr-a', { 'x-forwarded-for': '10.9.8.7' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ areaId: 'scr-a', inPark: 0, instantCapacity: 10, alerts: [], zones: [] });
  });

  it('refuses an address outside the trusted networks: 401 screen_token_required', async () => {
    const r = await get(trusted, '/screen/v1/areas/scr-a', { 'x-forwarded-for': '10.10.0.1' });
    expect(r.status).toBe(401);
    expect(r.ct).toContain('application/problem+json');
    expect(r.body.code).toBe('screen_token_required');
  });

  it('opens to the screen token, and only to it', async () => {
    expect((await get(tokened, '/screen/v1/areas/scr-a', { authorization: `Bearer ${token}` })).status).toBe(
      200,
    );
    const wrong = await get(tokened, '/screen/v1/areas/scr-a', { authorization: `Bearer ${token}x` });
    expect([wrong.status, wrong.body.code]).toEqual([401, 'invalid_screen_token']);
    const none = await get(tokened, '/screen/v1/areas/scr-a');
    expect([none.status, none.body.code]).toEqual([401, 'screen_token_required']);
    // the digest itself is not a token
    const digest = await get(tokened, '/screen/v1/areas/scr-a', { authorization: `Bearer ${sha256}` });
    expect(digest.body.code).toBe('invalid_screen_token');
  });

  it('is closed when nothing is configured, even from loopback with a token', async () => {
    for (const headers of [{}, { authorization: `Bearer ${token}` }] as Record<string, string>[]) {
      const r = await get(closed, '/screen/v1/areas/scr-a', headers);
      expect([r.status, r.body.code]).toEqual([403, 'screen_closed']);
      const ev = await get(closed, '/screen/v1/areas/scr-a/events', headers);
      expect([ev.status, ev.body.code]).toEqual([403, 'screen_closed']);
    }
  });

  it('answers problems for an unknown area and a malformed id', async () => {
    const h = { authorization: `Bearer ${token}` };
    const unknown = await get(tokened, '/screen/v1/areas/nowhere', h);
    expect([unknown.status, unknown.body.code]).toEqual([404, 'area_not_found']);
    const ev = await get(tokened, '/screen/v1/areas/nowhere/events', h);
    expect([ev.status, ev.body.code]).toEqual([404, 'area_not_found']);
    const bad = await get(tokened, '/screen/v1/areas/NOT%20AN%20ID', h);
    expect([bad.status, bad.body.code]).toEqual([400, 'invalid_input']);
  });

  it('streams a snapshot event at once to an allowed caller', async () => {
    const ctrl = new AbortController();
    const r = await fetch(`${tokened}/screen/v1/areas/scr-a/events`, {
      headers: { authorization: `Bearer ${token}` },
      signal: ctrl.signal,
    });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('text/event-stream');
    const reader = r.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    while (!/event: snapshot\ndata: .*\n\n/.test(text)) text += (await reader.read()).value ?? '';
    ctrl.abort();
    const data = /event: snapshot\ndata: (.*)\n/.exec(text)![1]!;
    expect(JSON.parse(data)).toMatchObject({ areaId: 'scr-a', inPark: 0 });
  });
});
