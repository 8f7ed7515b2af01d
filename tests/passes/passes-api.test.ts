import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { useApi, residentId } from '../support/platform.js';
import { demoArea } from '../../core/catalog/demo.js';
import { registerGateDevice } from '../../core/checkin/devices.js';
import { manifestIdHash } from '../../core/checkin/id-hash.js';
import { localParts } from '../../core/time.js';
import { lastDay } from '../../core/passes/model.js';
import { GateState } from '../../gate/state.js';
import type { EntranceRules } from '../../core/checkin/rules.js';
import type { ManifestTicket } from '../../core/checkin/protocol.js';

type Body = Record<string, unknown>;
const TODAY = localParts(new Date(), 'Asia/Shanghai').date;
const AREA = 'pa';

/**
 * Issue 18, annual passes through the HTTP API against real Postgres and Redis: the admin
 * declares pass terms; a visitor buys a pass like any ticket and pays; the pass admits by
 * QR and by ID card at a turnstile (whose manifest carries today's ID hashes, a handheld's
 * none); once a day refuses the second entry of the day, unlimited admits it; a blackout
 * day refuses; a busy day needs a free slot booking, which takes stock; a renewal extends
 * the validity once paid; a used pass refunds only its days not begun, minus the policy
 * fee; the settlement statements count the pass sales.
 */
describe('18 annual passes: buy, enter, blackout, busy-day booking, renew, refund, settle', () => {
  const api = useApi({ app: { rateLimits: false } });
  let person = 300;
  const visitor = () => ({ name: '王芳', idNumber: residentId('19850505', person++) });
  const gates: Record<string, string> = {};
  // read when called: the key exists only once the platform is up
  const admin = {
    get key() {
      return api.adminKey;
    },
  };

  beforeAll(async () => {
    await api.seed(
      demoArea({
        id: AREA,
        name: 'Pass Area',
        dailyCapacity: 100,
        slots: [{ id: 'day', startsAt: '00:00', endsAt: '23:59', capacity: 100 }],
        quotas: [],
        priceRules: [],
        coupons: [],
        products: [
          { id: 'adult', name: 'Adult', kind: 'adult', basePrice: 8000 },
          {
            id: 'year',
            name: 'Annual pass',
            kind: 'annual_pass',
            basePrice: 36_500,
            // the product's refund policy: 10 % of the price kept on every refund
            policy: {
              refund: { fee: { kind: 'percent', bps: 1000 } },
              reschedule: { allowed: false },
            },
          },
          { id: 'year-open', name: 'Annual pass, unlimited', kind: 'annual_pass', basePrice: 50_000 },
        ],
      }),
    );
    for (const [id, kind] of [
      ['pa-t1', 'turnstile'],
      ['pa-h1', 'handheld'],
    ] as const)
      gates[id] = (
        await registerGateDevice(
          api.platform.db,
          { id, areaId: AREA, entranceId: 'north-gate', kind },
          api.platform.clock,
        )
      ).credential;
    const once = await api.call('PUT', `/v1/admin/areas/${AREA}/products/year/pass`, {
      ...admin,
      body: { validityDays: 365, entryRule: 'once_a_day' },
    });
    expect(once.status, JSON.stringify(once.body)).toBe(200);
    const open = await api.call('PUT', `/v1/admin/areas/${AREA}/products/year-open/pass`, {
      ...admin,
      body: { entryRule: 'unlimited', priorityLane: true },
    });
    expect(open.status, JSON.stringify(open.body)).toBe(200);
  });

  const gate = async (gateId: string, method: 'GET' | 'POST', path: string, body?: Body) => {
    const res = await fetch(`${api.url}/gate/v1/${path}`, {
      method,
      headers: { authorization: `Bearer ${gates[gateId]}`, 'content-type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });
    expect(res.status).toBe(200);
    return (await res.json()) as Body;
  };
  let seq = 0;
  /** the turnstile asks the centre and, told to admit, lets the holder in and journals it */
  const enter = async (ticketId: string, media: 'qr' | 'id' | 'nfc' = 'qr'): Promise<Body> => {
    const scan = { scanId: randomUUID(), ticketId, at: new Date().toISOString(), media };
    const answer = await gate('pa-t1', 'POST', 'precheck', scan);
    if (answer.admit)
      await gate('pa-t1', 'POST', 'journal', {
        entries: [{ ...scan, seq: ++seq, direction: 'in', decision: 'admit', reason: 'ok', mode: 'online' }],
      });
    return answer;
  };

  /** a visitor buys a pass through the ordinary order path and pays it at the fake WeChat Pay */
  const buyPass = async (productId: string, holder = visitor()) => {
    const placed = await api.call('POST', '/v1/orders', {
      headers: { 'idempotency-key': randomUUID() },
      body: { areaId: AREA, date: TODAY, slotId: 'day', items: [{ productId, visitors: [holder] }] },
    });
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    const id = placed.body.id as string;
    const token = placed.body.accessToken as string;
    await payAndWait(id, token);
    const o = await api.call('GET', `/v1/orders/${id}`, { headers: { 'x-order-token': token } });
    const passId = (o.body.tickets as Body[])[0]!.id as string;
    return { orderId: id, token, passId, holder };
  };
  const payAndWait = async (id: string, token: string) => {
    const pay = await api.call('POST', `/v1/orders/${id}/payments`, { headers: { 'x-order-token': token } });
    expect(pay.status, JSON.stringify(pay.body)).toBe(201);
    await api.pay(id);
    for (let i = 0; i < 100; i++) {
      const o = await api.call('GET', `/v1/orders/${id}`, { headers: { 'x-order-token': token } });
      if (o.body.status === 'issued') return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`order ${id} was not issued`);
  };
  const passOf = (passId: string, token: string) =>
    api.call('GET', `/v1/passes/${passId}`, { headers: { 'x-order-token': token } });
  const setTerms = (productId: string, body: Body) =>
    api.call('PUT', `/v1/admin/areas/${AREA}/products/${productId}/pass`, { ...admin, body });

  it('the admin API declares pass terms only on annual_pass products and only for staff', async () => {
    const got = await api.call('GET', `/v1/admin/areas/${AREA}/products/year/pass`, admin);
    expect(got.body).toMatchObject({ validityDays: 365, entryRule: 'once_a_day', usedRefund: 'pro_rata' });
    const wrong = await setTerms('adult', { entryRule: 'unlimited' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.code).toBe('not_a_pass_product');
    const bad = await setTerms('year', { entryRule: 'twice' });
    expect(bad.status).toBe(400);
    const anon = await api.call('PUT', `/v1/admin/areas/${AREA}/products/year/pass`, { body: {} });
    expect(anon.status).toBe(401);
    const listed = await api.call('GET', `/v1/areas/${AREA}/passes`);
    expect((listed.body.items as Body[]).map((x) => x.productId).sort()).toEqual(['year', 'year-open']);
  });

  it('buys a pass: bound to the holder (ID sealed, masked in views), valid 365 days from today', async () => {
    const { passId, token, holder } = await buyPass('year');
    const view = await passOf(passId, token);
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({ status: 'valid', validFrom: TODAY, validUntil: lastDay(TODAY, 365) });
    expect((view.body.holder as Body).idMasked).not.toContain(holder.idNumber.slice(6, 14));
    const row = await api.platform.db('tickets').where({ id: passId }).first('id_number_enc');
    expect(row!.id_number_enc).not.toContain(holder.idNumber);
    // without the order's token the pass is not found
    expect((await api.call('GET', `/v1/passes/${passId}`)).status).toBe(404);
    // a photo is stored sealed
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4]).toString('base64');
    const photo = await api.call('PUT', `/v1/passes/${passId}/photo`, {
      headers: { 'x-order-token': token },
      body: { photo: jpeg },
    });
    expect(photo.status, JSON.stringify(photo.body)).toBe(200);
    expect(photo.body.hasPhoto).toBe(true);
    const sealed = await api.platform.db('passes').where({ ticket_id: passId }).first('photo_enc');
    expect(sealed!.photo_enc).not.toContain(jpeg);
    const notImage = await api.call('PUT', `/v1/passes/${passId}/photo`, {
      headers: { 'x-order-token': token },
      body: { photo: Buffer.from('hello world').toString('base64') },
    });
    expect(notImage.body.code).toBe('pass_photo_invalid');
  });

  it('once a day: enters by QR, the second entry that day is refused; unlimited admits again, priority lane', async () => {
    const once = await buyPass('year');
    expect((await enter(once.passId)).admit).toBe(true);
    const again = await enter(once.passId);
    expect(again.admit).toBe(false);
    expect(again.reason).toBe('already_redeemed');

    const open = await buyPass('year-open');
    const first = await enter(open.passId);
    expect(first).toMatchObject({ admit: true, priorityLane: true });
    expect((await enter(open.passId)).admit).toBe(true);
    // the ledger counts both unlimited entries, and no double entry is flagged
    const counted = await api.platform
      .db('checkin_scans')
      .where({ ticket_id: open.passId, counted: true, direction: 'in' })
      .count<{ n: string }[]>({ n: '*' });
    expect(Number(counted[0]!.n)).toBe(2);
    expect(await api.platform.db('checkin_flags').where({ ticket_id: open.passId }).first()).toBeUndefined();
  });

  it('admits by ID card at a turnstile: the manifest carries today’s ID hash (a handheld’s none)', async () => {
    const { passId, holder } = await buyPass('year');
    const m = await gate('pa-t1', 'GET', `manifest?date=${TODAY}`);
    const key = m.manifestKey as string;
    expect(key).not.toBe('');
    const byId = (m.tickets as Body[]).find((t) => t.idHash === manifestIdHash(key, holder.idNumber));
    expect(byId).toMatchObject({
      ticketId: passId,
      date: null,
      validUntil: lastDay(TODAY, 365),
      pass: { entryRule: 'once_a_day', priorityLane: false, blocked: null },
    });
    // offline, the turnstile's own state (gate/state.ts) finds the pass by the ID card and
    // applies once a day: the first entry admits, the second of the day is refused
    const offline = new GateState();
    offline.rules = (await gate('pa-t1', 'GET', 'rules')).rules as EntranceRules;
    offline.setManifest(TODAY, key, m.cursor as number, m.tickets as ManifestTicket[]);
    const found = offline.resolveIdNumber(holder.idNumber);
    expect(found.ok).toBe(true);
    const r = found.ok ? found.tickets[0]! : undefined;
    expect(r?.facts.ticketId).toBe(passId);
    expect(offline.decide(r!, new Date())).toEqual({ admit: true, reason: 'ok' });
    offline.reserve(passId, 1);
    expect(offline.decide(r!, new Date())).toEqual({ admit: false, reason: 'already_redeemed' });
    // the next day's manifest starts the count again
    offline.setManifest(lastDay(TODAY, 2), key, m.cursor as number, m.tickets as ManifestTicket[]);
    expect(offline.decide(r!, new Date(Date.now() + 86_400_000)).admit).toBe(true);

    const hand = await gate('pa-h1', 'GET', `manifest?date=${TODAY}`);
    expect(hand.manifestKey).toBe('');
    expect((hand.tickets as Body[]).find((t) => t.ticketId === passId)?.idHash).toBeNull();
    expect((await enter(passId, 'id')).admit).toBe(true);
    expect((await enter(passId, 'id')).reason).toBe('already_redeemed');
    // after the entry the turnstile's manifest shows the day's entry (for its offline decisions)
    const after = await gate('pa-t1', 'GET', `manifest?date=${TODAY}`);
    const t = (after.tickets as Body[]).find((x) => x.ticketId === passId)!;
    expect(t.entriesUsedElsewhere).toBe(0); // the entry was this gate's own: its journal knows it
  });

  it('admits by an NFC card bound at the box office', async () => {
    const { orderId, passId } = await buyPass('year-open');
    const bound = await api.call('POST', `/v1/box-office/orders/${orderId}/tickets/${passId}/card`, {
      ...admin,
      body: { cardUid: '04:A2:19:B3:5C:80' },
    });
    expect(bound.status, JSON.stringify(bound.body)).toBe(200);
    const m = await gate('pa-h1', 'GET', `manifest?date=${TODAY}`);
    expect((m.tickets as Body[]).find((t) => t.ticketId === passId)?.cardUid).toBe('04A219B35C80');
    expect((await enter(passId, 'nfc')).admit).toBe(true);
  });

  it('a blackout day refuses the pass at the gate and for bookings', async () => {
    const { passId, token } = await buyPass('year-open');
    expect(
      (await setTerms('year-open', { entryRule: 'unlimited', priorityLane: true, blackoutDates: [TODAY] }))
        .status,
    ).toBe(200);
    try {
      const denied = await enter(passId);
      expect(denied).toMatchObject({ admit: false, reason: 'blackout_date' });
      const m = await gate('pa-t1', 'GET', `manifest?date=${TODAY}`);
      expect((m.tickets as Body[]).find((t) => t.ticketId === passId)?.pass).toMatchObject({
        blocked: 'blackout_date',
      });
      const book = await api.call('POST', `/v1/passes/${passId}/bookings`, {
        headers: { 'x-order-token': token, 'idempotency-key': randomUUID() },
        body: { date: TODAY, slotId: 'day' },
      });
      expect(book.body.code).toBe('pass_blackout_date');
    } finally {
      await setTerms('year-open', { entryRule: 'unlimited', priorityLane: true });
    }
    expect((await enter(passId)).admit).toBe(true);
  });

  it('a busy day needs a free slot booking, which takes stock like any ticket; then the pass admits', async () => {
    const { passId, token } = await buyPass('year');
    expect((await setTerms('year', { busy: { dates: [TODAY] } })).status).toBe(200);
    try {
      expect(await enter(passId)).toMatchObject({ admit: false, reason: 'booking_required' });
      const before = await api.platform.inventory.snapshot(AREA, TODAY);
      const book = await api.call('POST', `/v1/passes/${passId}/bookings`, {
        headers: { 'x-order-token': token, 'idempotency-key': randomUUID() },
        body: { date: TODAY, slotId: 'day' },
      });
      expect(book.status, JSON.stringify(book.body)).toBe(201);
      const order = book.body.order as Body;
      expect(order).toMatchObject({ status: 'issued', amountTotal: 0 });
      const after = await api.platform.inventory.snapshot(AREA, TODAY);
      expect(after.used).toBe(before.used + 1);
      const twice = await api.call('POST', `/v1/passes/${passId}/bookings`, {
        headers: { 'x-order-token': token, 'idempotency-key': randomUUID() },
        body: { date: TODAY, slotId: 'day' },
      });
      expect(twice.body.code).toBe('pass_already_booked');
      // the booking's own ticket never reaches a gate: the pass is what admits
      const bookingTicket = (order.tickets as Body[])[0]!.id as string;
      const m = await gate('pa-t1', 'GET', `manifest?date=${TODAY}`);
      expect((m.tickets as Body[]).some((t) => t.ticketId === bookingTicket)).toBe(false);
      expect((m.tickets as Body[]).find((t) => t.ticketId === passId)?.pass).toMatchObject({ blocked: null });
      expect((await enter(passId)).admit).toBe(true);
      const view = await passOf(passId, token);
      expect(view.body.bookings).toEqual([
        { date: TODAY, slotId: 'day', ticketId: bookingTicket, status: 'valid' },
      ]);
    } finally {
      await setTerms('year', { busy: { dates: [] } });
    }
  });

  it('a renewal, once paid, extends the validity by the product’s days', async () => {
    const { passId, token } = await buyPass('year');
    const renew = await api.call('POST', `/v1/passes/${passId}/renewals`, {
      headers: { 'x-order-token': token, 'idempotency-key': randomUUID() },
      body: { date: TODAY, slotId: 'day' },
    });
    expect(renew.status, JSON.stringify(renew.body)).toBe(201);
    expect(renew.body.amountTotal).toBe(36_500);
    // held, not paid: not yet extended
    expect((await passOf(passId, token)).body.validUntil).toBe(lastDay(TODAY, 365));
    await payAndWait(renew.body.id as string, renew.body.accessToken as string);
    const view = await passOf(passId, token);
    expect(view.body.validUntil).toBe(lastDay(TODAY, 730));
    const m = await gate('pa-t1', 'GET', `manifest?date=${TODAY}`);
    expect((m.tickets as Body[]).find((t) => t.ticketId === passId)?.validUntil).toBe(lastDay(TODAY, 730));
  });

  it('refund under the policy: an unused pass minus the 10 % fee; a used one only its days not begun', async () => {
    const unused = await buyPass('year');
    // a booking still to come goes with the pass: its stock back on sale
    const booked = await api.call('POST', `/v1/passes/${unused.passId}/bookings`, {
      headers: { 'x-order-token': unused.token, 'idempotency-key': randomUUID() },
      body: { date: TODAY, slotId: 'day' },
    });
    expect(booked.status, JSON.stringify(booked.body)).toBe(201);
    const before = await api.platform.inventory.snapshot(AREA, TODAY);
    const r1 = await api.call('POST', `/v1/orders/${unused.orderId}/refunds`, {
      headers: { 'x-order-token': unused.token, 'idempotency-key': randomUUID() },
      body: { reason: 'change_of_plans' },
    });
    expect(r1.status, JSON.stringify(r1.body)).toBe(201);
    expect(r1.body.refund).toMatchObject({ amount: 36_500 - 3_650, fee: 3_650 });
    expect((await enter(unused.passId)).reason).toBe('revoked');
    const bookingOrder = await api.platform
      .db('orders')
      .where({ id: (booked.body.order as Body).id as string })
      .first('status');
    expect(bookingOrder!.status).toBe('refunded');
    expect((await api.platform.inventory.snapshot(AREA, TODAY)).used).toBe(before.used - 2);

    const used = await buyPass('year');
    expect((await enter(used.passId)).admit).toBe(true);
    const r2 = await api.call('POST', `/v1/orders/${used.orderId}/refunds`, {
      headers: { 'x-order-token': used.token, 'idempotency-key': randomUUID() },
      body: { reason: 'change_of_plans' },
    });
    expect(r2.status, JSON.stringify(r2.body)).toBe(201);
    // one day of 365 spent (100 fen), then the 10 % fee of the price
    expect(r2.body.refund).toMatchObject({ amount: 36_500 - 100 - 3_650, fee: 3_650 });

    // a product whose terms refund nothing once used
    const strict = await buyPass('year-open');
    expect((await enter(strict.passId)).admit).toBe(true);
    await setTerms('year-open', { entryRule: 'unlimited', priorityLane: true, usedRefund: 'none' });
    try {
      const r3 = await api.call('POST', `/v1/orders/${strict.orderId}/refunds`, {
        headers: { 'x-order-token': strict.token, 'idempotency-key': randomUUID() },
        body: { reason: 'change_of_plans' },
      });
      expect(r3.status).toBe(409);
      expect(r3.body.code).toBe('ticket_used');
    } finally {
      await setTerms('year-open', { entryRule: 'unlimited', priorityLane: true });
    }
  });

  it('settlement: pass sales, renewals and refunds appear in the statements and add up to the money taken', async () => {
    const res = await api.call('GET', `/v1/admin/settlement?from=${TODAY}&to=${TODAY}`, admin);
    expect(res.status).toBe(200);
    const totals = res.body.totals as { sales: number; refunds: number; taken: number };
    const paid = await api.platform
      .db('payments')
      .whereIn('status', ['succeeded', 'refunded'])
      .sum({ s: 'amount' });
    const back = await api.platform.db('refunds').whereNot({ status: 'failed' }).sum({ s: 'amount' });
    // every sale of this file is a pass, a renewal or a free booking
    const passSales = await api.platform
      .db('orders')
      .where({ area_id: AREA })
      .whereIn('status', ['issued', 'refunded', 'partially_refunded'])
      .sum({ s: 'amount_total' });
    expect(totals.sales).toBe(Number(paid[0]!.s));
    expect(totals.sales).toBe(Number(passSales[0]!.s));
    expect(totals.refunds).toBe(Number(back[0]!.s));
    expect(totals.refunds).toBe(36_500 - 3_650 + (36_500 - 100 - 3_650));
    expect(totals.taken).toBe(totals.sales - totals.refunds);
    const parties = res.body.parties as { party: string; total: number }[];
    expect(parties.find((p) => p.party === `area:${AREA}`)?.total).toBe(totals.taken);
  });
});
