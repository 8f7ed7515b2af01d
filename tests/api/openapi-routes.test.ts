import { beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { createApp } from '../../api/app.js';
import { openApiDocument } from '../../api/openapi.js';
import { VIEW_SCHEMAS } from '../../api/openapi-views.js';
import { demoArea } from '../../core/catalog/demo.js';
import { addDays, localParts } from '../../core/time.js';
import { residentId, useApi } from '../support/platform.js';

/**
 * Every route the running app mounts is described by the document it serves at
 * /v1/openapi.json, and every documented route exists: the express router stack of
 * createApp (features included, walked into every mounted router) and the fast lanes
 * the HTTP server answers ahead of express.
 */
const t = useApi();

/** What the API serves that is not an API: the web pages (api/web.ts) and bull-board's UI. */
const NOT_API_ROUTES = new Set([
  'GET /staff', // the staff page
  'GET /staff/',
  'GET /staff.html', // → /staff
  'GET /screen', // the crowd screen's page (its data is under /screen/v1)
  'GET /screen/',
  'GET /screen.html', // → /screen
  'GET /index.html', // → /
  'GET /admin', // the console's page (its data is under /v1/admin and /v1/cs)
  'GET /admin/',
  'GET /console.html', // → /admin
  'GET /sw.js', // the pages' service worker
]);
const NOT_API_MOUNTS = new Set([
  '/assets', // the pages' hashed assets
  '/admin/queues', // bull-board's own UI and JSON (README "Queues UI")
]);

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  rawPath?: string | string[];
  handle: { stack?: Layer[] };
}

const join = (a: string, b: string) => `${a}/${b}`.replace(/\/+/g, '/').replace(/(.)\/$/, '$1') || '/';
const template = (p: string) => p.replace(/:(\w+)/g, '{$1}');
const paths = (p: string | string[] | undefined) => [p ?? '/'].flat();

/** `METHOD /path/{param}` of every route in an express stack, and the paths middleware is mounted at. */
function walk(stack: Layer[], prefix = '', out = { routes: new Set<string>(), mounts: new Set<string>() }) {
  for (const layer of stack) {
    if (layer.route) {
      for (const p of paths(layer.route.path))
        for (const m of Object.keys(layer.route.methods))
          if (m !== '_all') out.routes.add(`${m.toUpperCase()} ${template(join(prefix, p))}`);
    } else
      for (const p of paths(layer.rawPath)) {
        if (Array.isArray(layer.handle.stack)) walk(layer.handle.stack, join(prefix, p), out);
        else if (p !== '/') out.mounts.add(join(prefix, p));
      }
  }
  return out;
}

function mounted(routes: 'all' | 'partner') {
  const { app, ctx } = createApp(t.platform, { loopLag: { ms: 0 }, routes });
  const stack = (app as unknown as { router: { stack: Layer[] } }).router.stack;
  const found = walk(stack);
  const lanes = ctx.fastLanes.map((l) => `${l.method} ${template(l.path)}`);
  return { ...found, lanes };
}

function documented(): Set<string> {
  const doc = openApiDocument() as { paths: Record<string, Record<string, unknown>> };
  const out = new Set<string>();
  for (const [p, item] of Object.entries(doc.paths))
    for (const m of Object.keys(item)) if (m !== 'parameters') out.add(`${m.toUpperCase()} ${p}`);
  return out;
}

describe('the served OpenAPI document and the routes the app mounts', () => {
  it('describes every route the app serves, and nothing it does not', () => {
    const app = mounted('all');
    // the walk reaches every feature (a walk that found nothing would pass the rest)
    for (const r of [
      'GET /v1/areas/{areaId}',
      'POST /v1/presale/holds',
      'GET /gate/v1/keys',
      'POST /octo/bookings',
      'GET /v1/admin/reports/{areaId}/{file}',
      'POST /v1/box-office/sales',
    ])
      expect(app.routes).toContain(r);
    const doc = documented();
    const served = [...app.routes].filter((r) => !NOT_API_ROUTES.has(r));
    expect(served.filter((r) => !doc.has(r)).sort(), 'served but not documented').toEqual([]);
    expect([...doc].filter((r) => !app.routes.has(r)).sort(), 'documented but not served').toEqual([]);
  });

  it('documents the fast lanes, which express also routes', () => {
    const { lanes, routes } = mounted('all');
    expect(lanes.sort()).toEqual([
      'GET /v1/queue/{areaId}/status',
      'POST /v1/orders',
      'POST /v1/presale/holds',
      'POST /v1/queue/{areaId}/join',
    ]);
    const doc = documented();
    for (const l of lanes) {
      expect(doc, l).toContain(l);
      expect(routes, l).toContain(l);
    }
  });

  it('mounts middleware only in front of documented routes, or for the web pages and queue UI', () => {
    const { mounts } = mounted('all');
    const doc = [...documented()].map((r) => r.split(' ')[1]!);
    const stray = [...mounts].filter(
      (m) => !NOT_API_MOUNTS.has(m) && !doc.some((p) => p === m || p.startsWith(`${m}/`)),
    );
    expect(stray).toEqual([]);
  });

  it('serves only documented routes in a partner-only process (SCENIC_API_ROUTES=partner)', () => {
    const { routes } = mounted('partner');
    expect(routes).toContain('POST /partner/v1/orders');
    expect(routes).not.toContain('POST /v1/orders');
    const doc = documented();
    expect([...routes].filter((r) => !doc.has(r))).toEqual([]);
  });
});

/**
 * The documented answers are the real ones: a purchase, a refund, a box-office sale, the
 * waiting room and a presale hold, each answer parsed with its documented schema
 * (api/openapi-views.ts). Parsing drops keys a schema does not name, so an answer with
 * an undocumented field, or without a documented one, fails.
 */
describe('the documented answers', () => {
  const D = addDays(localParts(new Date(), 'Asia/Shanghai').date, 2);
  const exactly = (s: z.ZodType, v: unknown) => expect(s.parse(v)).toEqual(v);
  const idem = () => ({ 'idempotency-key': randomUUID() });
  const visitors = (seq: number) => [{ name: '张三', idNumber: residentId('19900307', seq) }];
  beforeAll(async () => {
    await t.seed(
      demoArea({
        id: 'docs',
        slots: [
          { id: '0900', startsAt: '09:00', endsAt: '10:00', capacity: 50 },
          // the box office sells today, whatever the hour the suite runs at
          { id: 'day', startsAt: '00:00', endsAt: '23:59', capacity: 50 },
        ],
      }),
    );
  });

  it('of the purchase: area, availability, order, payment, refund', async () => {
    exactly(VIEW_SCHEMAS.AreaView, (await t.call('GET', '/v1/areas/docs')).body);
    exactly(
      VIEW_SCHEMAS.DayAvailability,
      (await t.call('GET', `/v1/areas/docs/availability?date=${D}`)).body,
    );
    const placed = await t.call('POST', '/v1/orders', {
      headers: idem(),
      body: {
        areaId: 'docs',
        date: D,
        slotId: '0900',
        items: [{ productId: 'adult', visitors: visitors(1) }],
      },
    });
    expect(placed.status).toBe(201);
    exactly(VIEW_SCHEMAS.PlacedOrder, placed.body);
    const id = placed.body.id as string;
    const token = { 'x-order-token': placed.body.accessToken as string };
    exactly(VIEW_SCHEMAS.OrderView, (await t.call('GET', `/v1/orders/${id}`, { headers: token })).body);
    const pay = await t.call('POST', `/v1/orders/${id}/payments`, { headers: token });
    exactly(VIEW_SCHEMAS.PaymentStart, pay.body);
    // the visitor pays on the gateway's page (the demo's banner says the same)
    expect((await fetch(`${pay.body.payUrl as string}/complete`, { method: 'POST' })).status).toBe(200);
    await expect
      .poll(async () => (await t.call('GET', `/v1/orders/${id}`, { headers: token })).body.status)
      .toBe('issued');
    const refund = await t.call('POST', `/v1/orders/${id}/refunds`, {
      headers: { ...token, ...idem() },
      body: { reason: 'weather' },
    });
    expect(refund.status).toBe(201);
    exactly(VIEW_SCHEMAS.RefundResult, refund.body);
    const missing = await t.call('GET', `/v1/orders/${randomUUID()}`);
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
    expect(Object.keys(missing.body)).toEqual(expect.arrayContaining(['type', 'title', 'status', 'code']));
  });

  it('of a box-office sale', async () => {
    const sale = await t.call('POST', '/v1/box-office/sales', {
      key: await t.key('box-office', 'box-office'),
      headers: idem(),
      body: {
        areaId: 'docs',
        date: localParts(new Date(), 'Asia/Shanghai').date,
        slotId: 'day',
        items: [{ productId: 'adult', visitors: visitors(2) }],
        payment: { method: 'cash', tendered: 100_00 },
      },
    });
    expect(sale.status).toBe(201);
    exactly(VIEW_SCHEMAS.Sale, sale.body);
  });

  it('of the waiting room and a presale hold', async () => {
    const opensAt = new Date(Date.now() - 60_000).toISOString();
    const room = await t.call('PUT', '/v1/admin/areas/docs/waiting-room', {
      key: t.adminKey,
      body: { opensAt, ratePerSecond: 100, burst: 10 },
    });
    expect(room.status).toBe(200);
    const deviceId = randomUUID();
    const joined = await t.call('POST', '/v1/queue/docs/join', { body: { deviceId } });
    expect(joined.status).toBe(200);
    exactly(VIEW_SCHEMAS.RoomState, joined.body);
    const hold = await t.call('POST', '/v1/presale/holds', {
      headers: { 'x-admission-token': joined.body.admissionToken as string, 'x-device-id': deviceId },
      body: { areaId: 'docs', date: D, slotId: '0900', quantity: 1 },
    });
    expect(hold.status).toBe(201);
    exactly(VIEW_SCHEMAS.PresaleHold, hold.body);
  });
});
