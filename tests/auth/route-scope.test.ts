import { beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { createApp } from '../../api/app.js';
import { guardOf, type GuardSpec } from '../../api/context.js';
import { demoArea } from '../../core/catalog/demo.js';
import { createAccount } from '../../core/auth/accounts.js';
import { createDeviceKey } from '../../core/auth/device-keys.js';
import { authDeps } from '../../core/auth/deps.js';
import { localParts } from '../../core/time.js';
import type { Actor } from '../../core/orders/model.js';
import { residentId, useApi } from '../support/platform.js';

/**
 * Issue 16: every staff and admin route checks the caller's area scope. Built from the
 * app's own router stack: a route under a staff/admin path without a guard fails; then
 * every guarded route is called, with a key of area A that has every permission, on
 * what belongs to area B (B's `:areaId`, B's order, emergency session, account, device
 * key, `areaId: B` in the body or query) — and is refused — and on area A's own, where
 * the scope check lets it through (so the refusals are the scope's, not something else's).
 */
// every guarded route twice, from one key: more writes a minute than the per-key limit allows,
// which is not what this file tests (tests/web/rate-limit.test.ts has the limits)
const t = useApi({ app: { rateLimits: false } });
/** one slot all day: a walk-up sale for today works at any hour the test runs */
const DAY = [{ id: 'day', startsAt: '00:00', endsAt: '23:59', capacity: 500 }];
const A = 'scope-a';
const B = 'scope-b';
const ADMIN: Actor = { kind: 'staff', id: 'route-scope-test', role: 'admin', areas: '*' };

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean>; stack: Layer[] };
  rawPath?: string | string[];
  handle: { stack?: Layer[] };
}
interface Route {
  method: string;
  path: string;
  guards: GuardSpec[];
}

const join = (a: string, b: string) => `${a}/${b}`.replace(/\/+/g, '/').replace(/(.)\/$/, '$1') || '/';

/** Every route with the guards on its way: the route's own and a router's `use(guard)` at its root. */
function walk(stack: Layer[], prefix = '', inherited: GuardSpec[] = [], out: Route[] = []): Route[] {
  const guards = [...inherited];
  for (const l of stack) {
    if (l.route) {
      const own = l.route.stack.map((s) => guardOf(s.handle)).filter((g): g is GuardSpec => !!g);
      for (const p of [l.route.path].flat())
        for (const m of Object.keys(l.route.methods))
          if (m !== '_all')
            out.push({ method: m.toUpperCase(), path: join(prefix, p), guards: [...guards, ...own] });
    } else
      for (const p of [l.rawPath ?? '/'].flat()) {
        if (Array.isArray(l.handle.stack)) walk(l.handle.stack, join(prefix, p), guards, out);
        else if (p === '/' && guardOf(l.handle)) guards.push(guardOf(l.handle)!);
      }
  }
  return out;
}

const STAFF_PATHS = /^\/(v1\/(admin|cs|box-office|staff)|staff\/agent)(\/|$)/;
/** Open on purpose: they are how a person gets a session (rate-limited, with lockout). */
const OPEN = new Set(['POST /v1/staff/sign-in', 'POST /v1/staff/enrol']);

function routes(): Route[] {
  const { app } = createApp(t.platform, { loopLag: { ms: 0 } });
  return walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
}

const today = () => localParts(new Date(), 'Asia/Shanghai').date;
const walkUp = (area: string, product: string, seq: number) => ({
  areaId: area,
  date: today(),
  slotId: 'day',
  items: [{ productId: product, visitors: [{ name: '张三', idNumber: residentId('19900307', seq) }] }],
  payment: { method: 'cash', tendered: 100_00 },
});

/** What each area owns, by the kind of id a guard loads. */
interface Owned {
  order: string;
  emergency: string;
  account: string;
  'device-key': string;
  refund: string;
}
const owned: Record<string, Owned> = {};

async function ownedBy(area: string, product: string, seq: number): Promise<Owned> {
  const d = authDeps(t.platform);
  const sale = await t.call('POST', '/v1/box-office/sales', {
    key: await t.key('box-office', 'box-office', { areas: [area] }),
    headers: { 'idempotency-key': randomUUID() },
    body: walkUp(area, product, seq),
  });
  expect(sale.status, JSON.stringify(sale.body)).toBe(201);
  const em = await t.call('POST', '/v1/box-office/emergency', {
    key: t.adminKey,
    body: { areaId: area, date: today(), maxUnits: 10, reason: 'route scope test' },
  });
  expect(em.status, JSON.stringify(em.body)).toBe(201);
  const account = await createAccount(d, ADMIN, {
    username: `cs-${area}`,
    displayName: `CS of ${area}`,
    role: 'customer-service',
    areas: [area],
  });
  const device = await createDeviceKey(d, ADMIN, {
    name: `kiosk of ${area}`,
    kind: 'kiosk',
    areas: [area],
    channelId: 'box-office',
  });
  // a cash sale handed back at the window: a refund the counter settles
  const refunded = await t.call('POST', '/v1/box-office/sales', {
    key: await t.key('box-office', 'box-office', { areas: [area] }),
    headers: { 'idempotency-key': randomUUID() },
    body: walkUp(area, product, seq + 1),
  });
  expect(refunded.status, JSON.stringify(refunded.body)).toBe(201);
  const refundedId = (refunded.body.order as { id: string }).id;
  const back = await t.call('POST', `/v1/box-office/orders/${refundedId}/refunds`, {
    key: t.adminKey,
    headers: { 'idempotency-key': randomUUID() },
    body: { reason: 'change_of_plans' },
  });
  expect(back.status, JSON.stringify(back.body)).toBeLessThan(300);
  const refund = await t.platform.db('refunds').where({ order_id: refundedId }).first('id');
  expect(refund, 'the refund row').toBeDefined();
  return {
    refund: refund!.id,
    order: (sale.body.order as { id: string }).id,
    emergency: em.body.id as string,
    account: account.account.id,
    'device-key': device.device.id,
  };
}

/** The request a route gets when aimed at `area`: its ids, path parameters, body and query. */
function aimedAt(r: Route, spec: GuardSpec, area: string): { path: string; body: Record<string, unknown> } {
  const mine = owned[area]!;
  const byLoader = 'param' in spec.area && spec.area.from in mine ? spec.area.from : undefined;
  const path = r.path.replace(/:(\w+)/g, (_m, name: string) => {
    if (name === 'areaId') return area;
    if (byLoader && 'param' in spec.area && spec.area.param === name) return mine[byLoader];
    if (name === 'date') return today();
    if (name === 'action') return 'pause';
    if (name === 'channelId') return 'box-office';
    if (name === 'file') return `${today()}.csv`;
    return `x${name.toLowerCase()}`;
  });
  const body = { ...walkUp(area, area === A ? 'a-adult' : 'b-adult', 900), areas: [area], reason: 'test' };
  return { path: spec.area.from === 'query' ? `${path}?areaId=${area}` : path, body };
}

/** A call whose answer may be JSON, CSV or nothing: what the checks need is its status and code. */
async function send(method: string, path: string, key: string, body?: unknown) {
  const res = await fetch(t.url + path, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      'idempotency-key': randomUUID(),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const json = res.headers.get('content-type')?.includes('json') && text ? (JSON.parse(text) as unknown) : {};
  return { status: res.status, body: json as Record<string, unknown> };
}
const withBody = (method: string) => method !== 'GET' && method !== 'DELETE';

const SCOPE_CODES = ['area_not_in_scope', 'all_areas_required'];
const HIDDEN_CODES = [
  'order_not_found',
  'emergency_not_found',
  'account_not_found',
  'device_key_not_found',
  'refund_not_found',
];

describe('16 area scope: a key of area A reads, refunds, reprints and sells nothing of area B', () => {
  let keyOfA: string;
  beforeAll(async () => {
    const product = (id: string) => ({ ...demoArea().products[0]!, id });
    await t.seed(demoArea({ id: A, slots: DAY, products: [product('a-adult')] }));
    await t.seed(
      demoArea({
        id: B,
        slots: DAY,
        products: [product('b-adult')],
        entrances: [{ id: 'b-gate', name: 'B' }],
      }),
    );
    owned[A] = await ownedBy(A, 'a-adult', 101);
    owned[B] = await ownedBy(B, 'b-adult', 202);
    // every permission there is, but for area A only
    keyOfA = await t.key('admin', 'box-office', { areas: [A] });
  });

  it('every staff and admin route has a guard naming its permission and where its area comes from', () => {
    const all = routes();
    expect(all.length).toBeGreaterThan(80);
    const unguarded = all.filter(
      (r) => STAFF_PATHS.test(r.path) && !OPEN.has(`${r.method} ${r.path}`) && !r.guards.length,
    );
    expect(unguarded.map((r) => `${r.method} ${r.path}`)).toEqual([]);
    // the walk sees the accounts, customer-service and box-office routers
    const guarded = all.filter((r) => r.guards.length).map((r) => `${r.method} ${r.path}`);
    for (const r of [
      'POST /v1/admin/device-keys',
      'GET /v1/cs/areas/:areaId/orders',
      'POST /v1/box-office/sales',
    ])
      expect(guarded).toContain(r);
  });

  it('refuses every guarded route on area B, and lets the same call through the scope check on area A', async () => {
    const checked: string[] = [];
    process.env.SCENIC_WEB_GATE_AGENT_AREA = B;
    try {
      for (const r of routes()) {
        const spec = r.guards.at(-1);
        if (!spec || spec.area.from === 'self') continue;
        const name = `${r.method} ${r.path}`;
        const onB = aimedAt(r, spec, B);
        const refused = await send(r.method, onB.path, keyOfA, withBody(r.method) ? onB.body : undefined);
        expect([403, 404], `${name} on B: ${JSON.stringify(refused.body)}`).toContain(refused.status);
        expect([...SCOPE_CODES, ...HIDDEN_CODES], `${name} on B`).toContain(refused.body.code);
        checked.push(name);
        if (spec.area.from === 'platform') continue; // refused to any key of some areas: right
        process.env.SCENIC_WEB_GATE_AGENT_AREA = A;
        const onA = aimedAt(r, spec, A);
        const mine = await send(r.method, onA.path, keyOfA, withBody(r.method) ? onA.body : undefined);
        process.env.SCENIC_WEB_GATE_AGENT_AREA = B;
        expect(SCOPE_CODES, `${name} on A: ${JSON.stringify(mine.body)}`).not.toContain(mine.body.code);
        if (mine.status === 404) expect(HIDDEN_CODES, `${name} on A`).not.toContain(mine.body.code);
      }
    } finally {
      delete process.env.SCENIC_WEB_GATE_AGENT_AREA;
    }
    expect(checked.length).toBeGreaterThan(40);
    // and B's order is as it was: issued, nothing refunded or rescheduled
    const order = await t.call('GET', `/v1/cs/orders/${owned[B]!.order}`, { key: t.adminKey });
    expect(order.body.status).toBe('issued');
  });
});
