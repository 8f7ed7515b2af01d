import { beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { useApi, residentId } from '../support/platform.js';
import { waitFor } from '../support/processes.js';
import { demoArea } from '../../core/catalog/demo.js';
import { addDays, localParts } from '../../core/time.js';
import { lapseClaims } from '../../core/orders/waitlist.js';
import { reconcileAll, hasDrift } from '../../core/orders/reconcile.js';

const D = addDays(localParts(new Date(), 'Asia/Shanghai').date, 6);
type Body = Record<string, unknown>;

describe('waiting list for a sold-out slot', () => {
  const api = useApi({ app: { rateLimits: false } });
  beforeAll(() =>
    api.seed(
      demoArea({
        id: 'wl',
        slots: [{ id: '0900', startsAt: '09:00', endsAt: '10:00', capacity: 2 }],
        quotas: [],
      }),
    ),
  );
  let n = 0;
  const buy = (units: number, phone: string, extra: Body = {}) =>
    api.call('POST', '/v1/orders', {
      headers: { 'idempotency-key': randomUUID() },
      body: {
        areaId: 'wl',
        date: D,
        slotId: '0900',
        contactPhone: phone,
        items: [
          {
            productId: 'adult',
            visitors: Array.from({ length: units }, () => ({
              name: 'W',
              idNumber: residentId('19660606', n++),
            })),
          },
        ],
        ...extra,
      },
    });
  // joining needs the phone signed in (issue 17 item 10)
  const join = async (units: number, phone: string) =>
    (
      await api.call('POST', '/v1/waitlist', {
        headers: { 'idempotency-key': randomUUID(), authorization: `Bearer ${await api.signIn(phone)}` },
        body: { areaId: 'wl', date: D, slotId: '0900', units, contactPhone: phone },
      })
    ).body;
  const entry = async (id: unknown) => (await api.call('GET', `/v1/waitlist/${String(id)}`)).body;

  it('offers freed stock in order of joining, lets only the claimant take it, and lapses unused claims', async () => {
    const a = await buy(2, '13700000001');
    const pay = await api.call('POST', `/v1/orders/${a.body.id as string}/payments`, {
      headers: { 'x-order-token': a.body.accessToken as string },
    });
    expect(pay.status).toBe(201);
    await api.pay(a.body.id as string);
    const full = await buy(1, '13700000009');
    expect(full.status).toBe(409);
    expect(full.body).toMatchObject({ code: 'slot_sold_out', waitlist: true });

    const w1 = await join(1, '13700000002');
    const w2 = await join(1, '13700000003');
    const w3 = await join(2, '13700000004');
    expect([w1.position, w2.position, w3.position]).toEqual([1, 2, 3]);

    const issued = (
      await api.call('GET', `/v1/orders/${a.body.id as string}`, {
        headers: { 'x-order-token': a.body.accessToken as string },
      })
    ).body;
    const tickets = issued.tickets as Body[];
    const refund = (i: number) =>
      api.call('POST', `/v1/orders/${a.body.id as string}/refunds`, {
        headers: { 'x-order-token': a.body.accessToken as string, 'idempotency-key': randomUUID() },
        body: { ticketIds: [tickets[i]!.id], reason: 'change_of_plans' },
      });
    expect((await refund(0)).status).toBe(201);
    await waitFor('first in line gets a claim', async () => (await entry(w1.id)).state === 'claimable');
    expect((await entry(w2.id)).state).toBe('waiting');
    expect(api.logLines.some((l) => l.includes('held for you') && l.includes('137****0002'))).toBe(true);

    // the freed ticket is not for sale to anyone else
    expect((await buy(1, '13700000009')).body.code).toBe('slot_sold_out');
    // someone else cannot use the claim
    expect((await buy(1, '13700000009', { claimId: String(w1.id) })).body.code).toBe('claim_mismatch');
    const claimed = await buy(1, '13700000002', { claimId: String(w1.id) });
    expect(claimed.status).toBe(201);
    expect((await entry(w1.id)).state).toBe('claimed');
    expect((await api.platform.inventory.snapshot('wl', D)).used).toBe(2);

    // next freed ticket goes to w2, who lets the claim lapse; w3 (2 units) does not fit and keeps its place
    expect((await refund(1)).status).toBe(201);
    await waitFor('second in line gets a claim', async () => (await entry(w2.id)).state === 'claimable');
    await api.platform
      .db('waitlist')
      .where({ public_id: w2.id as string })
      .update({ claim_until: new Date(Date.now() - 1) });
    expect(await lapseClaims(api.platform.orders, api.platform.sms)).toBe(1);
    expect((await entry(w2.id)).state).toBe('lapsed');
    expect(await entry(w3.id)).toMatchObject({ state: 'waiting', position: 1 });
    expect((await buy(1, '13700000009')).status).toBe(201); // nobody waiting fits: back on sale

    const reports = await reconcileAll(
      api.platform.orders,
      await api.platform.inventory.reservationDays(),
      0,
    );
    expect(reports.filter(hasDrift)).toEqual([]);
  });
});
