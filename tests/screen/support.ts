import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { demoArea } from '../../core/catalog/demo.js';
import { registerGateDevice } from '../../core/checkin/devices.js';
import { localParts } from '../../core/time.js';
import type { TestPlatform } from '../support/platform.js';
import { buy } from '../observability/support.js';

/** A demo area with one all-day slot (scans pass the slot's grace at any hour). */
export async function seedScreenArea(api: TestPlatform, id: string, instantCapacity = 10): Promise<string> {
  await api.seed(
    demoArea({
      id,
      instantCapacity,
      slots: [
        { id: 'all', startsAt: '00:00', endsAt: '23:59', capacity: 50 },
        { id: 'late', startsAt: '12:00', endsAt: '23:59', capacity: 20 },
      ],
      priceRules: [],
    }),
  );
  return localParts(api.platform.clock.now(), 'Asia/Shanghai').date;
}

/** Paid tickets for today through the visitor API; their ids. */
export async function paidTickets(
  api: TestPlatform,
  areaId: string,
  date: string,
  n: number,
  slotId = 'all',
): Promise<string[]> {
  const o = await buy(api, { areaId, date, slotId, visitors: n, pay: true });
  return o.tickets.map((t) => t.id);
}

/** A turnstile of an entrance, registered the way `scenic gate register` does; its credential. */
export async function gateOf(api: TestPlatform, areaId: string, id: string, entranceId: string) {
  const { credential } = await registerGateDevice(
    api.platform.db,
    { id, areaId, entranceId, kind: 'turnstile' },
    api.platform.clock,
  );
  return credential;
}

/** The gate's online check-in (POST /gate/v1/precheck), expected to admit. */
export async function scanIn(api: TestPlatform, credential: string, ticketId: string): Promise<void> {
  const r = await api.call('POST', '/gate/v1/precheck', {
    key: credential,
    body: { scanId: randomUUID(), ticketId, at: new Date().toISOString(), media: 'qr' },
  });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  expect(r.body.admit, JSON.stringify(r.body)).toBe(true);
}
