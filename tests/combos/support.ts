import { randomUUID } from 'node:crypto';
import { beforeAll, expect } from 'vitest';
import { demoArea } from '../../core/catalog/demo.js';
import type { AreaDefinition } from '../../core/catalog/definition.js';
import { registerGateDevice } from '../../core/checkin/devices.js';
import { localParts } from '../../core/time.js';
import { residentId, useApi, type TestPlatform } from '../support/platform.js';

export type Body = Record<string, unknown>;

/** The day the combo suites sell and scan for: today in the areas' time zone. */
export const TODAY = localParts(new Date(), 'Asia/Shanghai').date;

/**
 * An area selling a combo (entry + sightseeing bus + evening show, 300 yuan; 10 % kept on
 * refunds) beside a plain adult ticket, one all-day slot so gates admit at any hour.
 */
export function comboArea(id: string, capacity = 100): AreaDefinition {
  return demoArea({
    id,
    name: `Combo area ${id}`,
    dailyCapacity: capacity,
    slots: [{ id: 'day', startsAt: '00:00', endsAt: '23:59', capacity }],
    quotas: [],
    priceRules: [],
    coupons: [],
    products: [
      { ...demoArea().products[0]!, id: 'adult' },
      {
        id: 'trio',
        name: 'Entry + bus + show',
        kind: 'combo',
        basePrice: 30_000,
        policy: { refund: { fee: { kind: 'percent', bps: 1000 } }, reschedule: {} },
      },
    ],
  });
}

/** The bus (two departures, `busSeats` each) and the show (one showtime) of the combo, through the admin API. */
export async function defineComponents(api: TestPlatform, areaId: string, busSeats: number, showSeats = 50) {
  const put = (id: string, body: Body) =>
    api.call('PUT', `/v1/admin/areas/${areaId}/combo-components/${id}`, { key: api.adminKey, body });
  const bus = await put('bus', {
    name: 'Sightseeing bus',
    kind: 'bus',
    productIds: ['trio'],
    value: 8_000,
    sessions: [
      { id: 'b0900', startsAt: '09:00', capacity: busSeats },
      { id: 'b1400', startsAt: '14:00', capacity: busSeats },
    ],
  });
  expect(bus.status, JSON.stringify(bus.body)).toBe(200);
  const show = await put('show', {
    name: 'Evening show',
    kind: 'show',
    productIds: ['trio'],
    value: 10_000,
    sessions: [{ id: 's1930', startsAt: '19:30', capacity: showSeats }],
  });
  expect(show.status, JSON.stringify(show.body)).toBe(200);
}

/** Registers a gate device of the area; with `componentId`, makes it that component's door. */
export async function gateDevice(api: TestPlatform, areaId: string, id: string, componentId?: string) {
  const { credential } = await registerGateDevice(
    api.platform.db,
    { id, areaId, entranceId: 'north-gate', kind: 'handheld' },
    api.platform.clock,
  );
  if (componentId) {
    const sp = await api.call('PUT', `/v1/admin/areas/${areaId}/combo-scan-points/${id}`, {
      key: api.adminKey,
      body: { componentId },
    });
    expect(sp.status, JSON.stringify(sp.body)).toBe(200);
  }
  return credential;
}

/** A gate's precheck, and on admit its journal entry, as the edge agent sends them. */
export function gateClient(api: TestPlatform) {
  let seq = 0;
  const post = async (credential: string, path: string, body: Body) => {
    const res = await fetch(`${api.url}/gate/v1/${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    return (await res.json()) as Body;
  };
  return {
    post,
    async scan(credential: string, ticketId: string): Promise<Body> {
      const scan = { scanId: randomUUID(), ticketId, at: new Date().toISOString(), media: 'qr' };
      const answer = await post(credential, 'precheck', scan);
      if (answer.admit)
        await post(credential, 'journal', {
          entries: [
            { ...scan, seq: ++seq, direction: 'in', decision: 'admit', reason: 'ok', mode: 'online' },
          ],
        });
      return answer;
    },
  };
}

/** Places an order (anonymous visitor, web); answers the raw response. */
export const placeCombo = (api: TestPlatform, body: Body) =>
  api.call('POST', '/v1/orders', { headers: { 'idempotency-key': randomUUID() }, body });

/** Places, pays at WeChat Pay (the fake) and waits for the tickets. */
export async function buyAndPay(api: TestPlatform, body: Body): Promise<{ order: Body; token: string }> {
  const placed = await placeCombo(api, body);
  if (placed.status !== 201) throw new Error(`order: ${placed.status} ${JSON.stringify(placed.body)}`);
  const id = placed.body.id as string;
  const token = placed.body.accessToken as string;
  const pay = await api.call('POST', `/v1/orders/${id}/payments`, { headers: { 'x-order-token': token } });
  if (pay.status !== 201) throw new Error(`payment: ${pay.status} ${JSON.stringify(pay.body)}`);
  await api.pay(id);
  for (let i = 0; i < 100; i++) {
    const o = await api.call('GET', `/v1/orders/${id}`, { headers: { 'x-order-token': token } });
    if (o.body.status === 'issued') return { order: o.body, token };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`order ${id} was not issued`);
}

/**
 * A combo suite's platform (no rate limits; room for its many anonymous holds) with the
 * area `areaId` seeded before its tests: `comboArea`, its bus of `busSeats` a departure
 * and its show. Each visitor it makes is a new person (`name`, resident ids born on
 * `born`, numbered from `first` on), so no order runs into another's per-person limits.
 */
export function useComboSuite(
  areaId: string,
  o: { busSeats: number; visitor: { name: string; born: string; first: number } },
) {
  const api = useApi({ app: { rateLimits: false }, env: { SCENIC_ANON_HELD_UNITS: '1000' } });
  beforeAll(async () => {
    await api.seed(comboArea(areaId));
    await defineComponents(api, areaId, o.busSeats);
  });
  let person = o.visitor.first;
  const visitor = () => ({ name: o.visitor.name, idNumber: residentId(o.visitor.born, person++) });
  /** An order of `n` combos (entry + the chosen `sessions`) in the all-day slot of `date`. */
  const order = (sessions: Record<string, string>, n = 1, date = TODAY): Body => ({
    areaId,
    date,
    slotId: 'day',
    items: [{ productId: 'trio', visitors: Array.from({ length: n }, visitor) }],
    sessions,
  });
  return { api, gates: gateClient(api), visitor, order };
}
