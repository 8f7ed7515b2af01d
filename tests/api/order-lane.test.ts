import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { useApi, residentId } from '../support/platform.js';
import { ManualClock } from '../../core/clock.js';
import { demoArea } from '../../core/catalog/demo.js';
import { addDays, localParts } from '../../core/time.js';
import { createApp } from '../../api/app.js';
import { orderLane } from '../../api/order-lane.js';

/**
 * Issue 19: POST /v1/orders is served ahead of express for visitors (api/order-lane.ts).
 * The test's API (tests/support/platform.ts) runs the server's listener, lanes first;
 * beside it the same platform's express app alone. The same requests sent to both must
 * get the same answers — statuses, problem codes, headers, replays across the two (one
 * idempotency scope), one rate-limit bucket — and the lane must leave staff and other
 * bodies to express.
 */
const clock = new ManualClock(new Date());
const D = addDays(localParts(clock.now(), 'Asia/Shanghai').date, 5);
const WRITES_PER_MINUTE = 12;
let seq = 0;
const order = () => ({
  areaId: 'lane',
  date: D,
  slotId: '0900',
  items: [{ productId: 'adult', visitors: [{ name: '王五', idNumber: residentId('19791103', ++seq) }] }],
});

describe('the POST /v1/orders fast lane answers as express does', () => {
  const api = useApi({ clock, env: { SCENIC_RATE_WRITES_PER_MINUTE: String(WRITES_PER_MINUTE) } });
  let server: Server;
  let expressUrl = '';
  beforeAll(async () => {
    await api.seed(demoArea({ id: 'lane' }));
    const { app } = createApp(api.platform, { loopLag: { ms: 0 } });
    server = createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    expressUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });
  // a fresh rate-limit window for each test (the limit counts per minute of the clock)
  beforeEach(() => clock.advance(60_000));

  interface Sent {
    status: number;
    type: string | null;
    body: Record<string, unknown>;
    headers: Headers;
  }
  const post = async (base: string, body: string, headers: Record<string, string> = {}): Promise<Sent> => {
    const res = await fetch(`${base}/v1/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
    const text = await res.text();
    return {
      status: res.status,
      type: res.headers.get('content-type'),
      body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
      headers: res.headers,
    };
  };
  const lane = (body: string, headers?: Record<string, string>) => post(api.url, body, headers);
  const express = (body: string, headers?: Record<string, string>) => post(expressUrl, body, headers);
  const keyed = () => ({ 'idempotency-key': randomUUID(), 'x-client-secret': `cs-${randomUUID()}` });

  it('places an order with the same answer, and replays it across the two', async () => {
    const viaLane = await lane(JSON.stringify(order()), keyed());
    const viaExpress = await express(JSON.stringify(order()), keyed());
    for (const a of [viaLane, viaExpress]) {
      expect(a.status, JSON.stringify(a.body)).toBe(201);
      expect(a.type).toBe('application/json; charset=utf-8');
      expect(a.headers.get('ratelimit-limit')).toBe(String(WRITES_PER_MINUTE));
      expect(a.headers.get('idempotent-replayed')).toBeNull();
    }
    expect(Object.keys(viaLane.body).sort()).toEqual(Object.keys(viaExpress.body).sort());
    // one bucket for both: the second request of the window has one fewer left
    expect(Number(viaLane.headers.get('ratelimit-remaining'))).toBe(WRITES_PER_MINUTE - 1);
    expect(Number(viaExpress.headers.get('ratelimit-remaining'))).toBe(WRITES_PER_MINUTE - 2);

    // the same key and secret: one scope and one request hash, whichever server answers
    const headers = keyed();
    const body = JSON.stringify(order());
    const first = await lane(body, headers);
    const again = await express(body, headers);
    const third = await lane(body, headers);
    expect(first.status).toBe(201);
    for (const r of [again, third]) {
      expect(r.status).toBe(201);
      expect(r.headers.get('idempotent-replayed')).toBe('true');
      expect(r.body.id).toBe(first.body.id);
      expect(r.body.accessToken).toBe(first.body.accessToken);
    }
    // another body under the key: refused alike
    const reused = await lane(JSON.stringify(order()), headers);
    expect(reused.status).toBe(422);
    expect(reused.body.code).toBe('idempotency_key_reused');
    expect((await express(JSON.stringify(order()), headers)).body.code).toBe('idempotency_key_reused');
  });

  it('answers bad requests with the same problems', async () => {
    const big = JSON.stringify({ ...order(), pad: 'x'.repeat(70 * 1024) });
    const cases: [string, string, Record<string, string>][] = [
      ['malformed JSON', '{"areaId": ', keyed()],
      ['a JSON string, not an object', '"lane"', keyed()],
      ['an empty body', '', keyed()],
      ['invalid input', JSON.stringify({ areaId: 'lane' }), keyed()],
      ['no idempotency key', JSON.stringify(order()), {}],
      ['a malformed client secret', JSON.stringify(order()), { ...keyed(), 'x-client-secret': 'short' }],
      ['a forged visitor session', JSON.stringify(order()), { ...keyed(), authorization: 'Bearer vs1.x.y' }],
      ['an area that does not exist', JSON.stringify({ ...order(), areaId: 'nowhere' }), keyed()],
      ['too large a body', big, keyed()],
    ];
    for (const [what, body, headers] of cases) {
      const [a, b] = [await lane(body, headers), await express(body, headers)];
      expect(a.status, what).toBe(b.status);
      expect(a.status, what).toBeGreaterThanOrEqual(400);
      expect(a.type, what).toBe('application/problem+json; charset=utf-8');
      expect(a.type, what).toBe(b.type);
      for (const field of ['code', 'status', 'type', 'title', 'instance', 'errors'])
        expect(a.body[field], `${what}: ${field}`).toEqual(b.body[field]);
    }
  });

  it('counts in the writes limit with express, and refuses past it alike', async () => {
    // valid JSON, refused by the route after the limit counted it (no order is placed)
    const counted = JSON.stringify({ areaId: 'lane' });
    for (let i = 0; i < WRITES_PER_MINUTE; i++) {
      const r = await (i % 2 ? express : lane)(counted, keyed());
      expect(r.status).toBe(400);
      expect(Number(r.headers.get('ratelimit-remaining'))).toBe(WRITES_PER_MINUTE - 1 - i);
    }
    const [a, b] = [await lane(JSON.stringify(order()), keyed()), await express(counted, keyed())];
    for (const r of [a, b]) {
      expect(r.status).toBe(429);
      expect(r.body.code).toBe('rate_limited');
      expect(r.headers.get('ratelimit-remaining')).toBe('0');
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    expect(a.headers.get('retry-after')).toBe(b.headers.get('retry-after'));
  });

  it("places a signed-in visitor's order as that visitor", async () => {
    const token = await api.signIn('13800138019');
    const auth = { ...keyed(), authorization: `Bearer ${token}` };
    const placed = await lane(JSON.stringify(order()), auth);
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    const row = await api.platform
      .db('orders')
      .where({ id: String(placed.body.id) })
      .first<{ actor: string } | undefined>();
    expect(row?.actor).toMatch(/^visitor:/);
    expect(row?.actor).not.toBe('visitor:anonymous');
    // the visitor's own bucket, not the address's
    expect(Number(placed.headers.get('ratelimit-remaining'))).toBe(WRITES_PER_MINUTE - 1);
  });

  it('records the request in the HTTP metrics under the route express names', async () => {
    const count = async () => {
      const text = await (await api.metrics()).text();
      const line = text
        .split('\n')
        .find(
          (l) =>
            l.startsWith('scenic_http_request_duration_seconds_count{') &&
            l.includes('method="POST"') &&
            l.includes('route="/v1/orders"') &&
            l.includes('status_code="201"'),
        );
      return line ? Number(line.split(' ').pop()) : 0;
    };
    const before = await count();
    expect((await lane(JSON.stringify(order()), keyed())).status).toBe(201);
    expect(await count()).toBe(before + 1);
  });

  it('leaves staff, partners and other bodies to express', () => {
    const { ctx } = createApp(api.platform, { loopLag: { ms: 0 } });
    const { claims } = orderLane(ctx, {});
    const asked = (headers: Record<string, string>) => claims!({ headers } as unknown as IncomingMessage);
    expect(asked({ 'content-type': 'application/json' })).toBe(true);
    expect(asked({ 'content-type': 'application/json; charset=utf-8' })).toBe(true);
    expect(asked({ 'content-type': 'application/json', authorization: 'Bearer vs1.a.b' })).toBe(true);
    expect(asked({ 'content-type': 'application/json', authorization: 'Bearer sk_live_x' })).toBe(false);
    expect(asked({ 'content-type': 'application/json', authorization: 'Bearer ss1_x' })).toBe(false);
    expect(asked({ 'content-type': 'application/json', authorization: 'Basic eDp5' })).toBe(false);
    expect(asked({ 'content-type': 'application/merge-patch+json' })).toBe(false);
    expect(asked({ 'content-type': 'application/json; charset=latin1' })).toBe(false);
    expect(asked({ 'content-type': 'text/plain' })).toBe(false);
    expect(asked({})).toBe(false);
    expect(asked({ 'content-type': 'application/json', 'content-encoding': 'gzip' })).toBe(false);
  });
});
