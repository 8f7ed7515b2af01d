import { beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { useApi, residentId } from '../support/platform.js';
import { demoArea } from '../../core/catalog/demo.js';
import { verifyTicket } from '../../core/tickets/token.js';
import { day, partner, type Body } from './support.js';

const D = day(6);

describe('OCTO endpoints /octo', () => {
  const api = useApi({ app: { rateLimits: false } });
  let klook: Awaited<ReturnType<typeof partner>>;
  let bearer: string;
  beforeAll(async () => {
    await api.seed(demoArea({ id: 'octo-park' }));
    klook = await partner(api, { id: 'klook', commissionBps: 1500 });
    bearer = `${klook.cred.keyId}.${klook.cred.secret}`;
  });

  let n = 900;
  const unit = (unitId = 'adult') => ({
    unitId,
    contact: { fullName: '孙八' },
    // a child unit goes to a child (17.11)
    identityDocument: { number: residentId(unitId === 'child' ? '20181111' : '19881111', n++) },
  });
  const reserveBody = (uuid: string, over: Body = {}) => ({
    uuid,
    productId: 'octo-park',
    optionId: 'DEFAULT',
    availabilityId: `${D}T09:00:00+08:00`,
    unitItems: [unit(), unit('child')],
    expirationMinutes: 15,
    ...over,
  });
  const reserve = (uuid: string, over: Body = {}) =>
    klook.client.raw('POST', '/octo/bookings', reserveBody(uuid, over));

  it('describes products, options and units', async () => {
    const products = await klook.client.request<Body[]>('GET', '/octo/products');
    const p = products.find((x) => x.id === 'octo-park')!;
    expect(p).toMatchObject({
      availabilityType: 'START_TIME',
      timeZone: 'Asia/Shanghai',
      options: [{ id: 'DEFAULT', availabilityLocalStartTimes: expect.arrayContaining(['09:00']) as unknown }],
    });
    const units = ((p.options as Body[])[0]!.units as Body[]).map((u) => [u.id, u.type]);
    expect(units).toEqual(
      expect.arrayContaining([
        ['adult', 'ADULT'],
        ['child', 'CHILD'],
        ['family', 'FAMILY'],
      ]),
    );
  });

  it('answers availability and the calendar', async () => {
    const av = await klook.client.request<Body[]>('POST', '/octo/availability', {
      productId: 'octo-park',
      optionId: 'DEFAULT',
      localDateStart: D,
      localDateEnd: D,
      units: [{ id: 'adult', quantity: 2 }],
    });
    expect(av).toHaveLength(9);
    expect(av.find((a) => a.id === `${D}T09:00:00+08:00`)).toMatchObject({
      status: 'AVAILABLE',
      available: true,
      vacancies: 600,
      capacity: 600,
      localDateTimeEnd: `${D}T10:00:00+08:00`,
    });
    const cal = await klook.client.request<Body[]>('POST', '/octo/availability/calendar', {
      productId: 'octo-park',
      optionId: 'DEFAULT',
      localDateStart: D,
      localDateEnd: day(7),
    });
    expect(cal.map((c) => c.localDate)).toEqual([D, day(7)]);
  });

  it('reserve → confirm → cancel, idempotent on the reseller uuid', async () => {
    const uuid = randomUUID();
    const body = reserveBody(uuid);
    const r = await klook.client.raw('POST', '/octo/bookings', body);
    expect(r.status).toBe(200);
    const held = (await r.json()) as Body;
    expect(held).toMatchObject({
      uuid,
      status: 'ON_HOLD',
      productId: 'octo-park',
      optionId: 'DEFAULT',
      availabilityId: `${D}T09:00:00+08:00`,
    });
    expect(held.unitItems as Body[]).toHaveLength(2);
    expect(Date.parse(held.utcExpiresAt as string) - Date.now()).toBeGreaterThan(14 * 60_000);
    expect(((await (await klook.client.raw('POST', '/octo/bookings', body)).json()) as Body).id).toBe(
      held.id,
    ); // a retried reserve

    const confirmed: Body = await klook.client.request('POST', `/octo/bookings/${uuid}/confirm`, {
      contact: { fullName: '孙八' },
    });
    expect(confirmed).toMatchObject({
      status: 'CONFIRMED',
      pricing: { retail: 12000, net: 10200, currency: 'CNY' },
    });
    const keys = (await api.platform.keys()).publicKeys;
    for (const u of confirmed.unitItems as Body[]) {
      const code = ((u.ticket as Body).deliveryOptions as Body[])[0]!;
      expect(code.deliveryFormat).toBe('QRCODE');
      expect(verifyTicket(code.deliveryValue as string, keys)).toMatchObject({ ok: true });
    }

    // OCTO clients that cannot sign use the bearer form of the same key
    const got = await fetch(`${api.url}/octo/bookings/${uuid}`, {
      headers: { authorization: `Bearer ${bearer}` },
    });
    expect(((await got.json()) as Body).status).toBe('CONFIRMED');

    const cancelled = await klook.client.request('DELETE', `/octo/bookings/${uuid}`, {
      reason: 'customer changed plans',
    });
    expect(cancelled).toMatchObject({ status: 'CANCELLED', cancellation: { refund: 'FULL' } });
    expect((await klook.client.request('POST', `/octo/bookings/${uuid}/cancel`, {})).status).toBe(
      'CANCELLED',
    ); // idempotent
    const refund = await api.platform
      .db('refunds')
      .where({ order_id: held.id as string })
      .first<{ reason_code: string; reason_text: string; amount: number }>();
    expect(refund).toMatchObject({
      reason_code: 'other',
      reason_text: 'OCTO cancel: customer changed plans',
      amount: 12000,
    });
  });

  it('cancels an unconfirmed hold', async () => {
    const uuid = randomUUID();
    await reserve(uuid);
    expect((await klook.client.request('POST', `/octo/bookings/${uuid}/cancel`, {})).status).toBe(
      'CANCELLED',
    );
  });

  it('extends an ON_HOLD booking, never shortens it, and stops at the hold lifetime limit', async () => {
    const uuid = randomUUID();
    const held = (await (await reserve(uuid)).json()) as Body;
    const expiry = (b: Body) => Date.parse(b.utcExpiresAt as string);
    expect(expiry(held) - Date.now()).toBeLessThan(15 * 60_000 + 1_000);

    const longer: Body = await klook.client.request('POST', `/octo/bookings/${uuid}/extend`, {
      expirationMinutes: 45,
    });
    expect(longer).toMatchObject({ uuid, status: 'ON_HOLD' });
    expect(expiry(longer) - Date.now()).toBeGreaterThan(44 * 60_000);
    const row = await api.platform
      .db('orders')
      .where({ id: held.id as string })
      .first<{ res_id: string; expires_at: Date }>();
    expect(row.expires_at.getTime()).toBe(expiry(longer));
    expect((await api.platform.inventory.reservation('octo-park', D, row.res_id))?.expiresAt).toBe(
      expiry(longer),
    ); // Redis moved too
    const shorter: Body = await klook.client.request('POST', `/octo/bookings/${uuid}/extend`, {
      expirationMinutes: 5,
    });
    expect(shorter.utcExpiresAt).toBe(longer.utcExpiresAt);

    // however much is asked, a hold ends 2 h after it was placed: placed 1 h 50 min ago,
    // it may run 10 more minutes, less than it already has, so nothing changes
    await api.platform
      .db('orders')
      .where({ id: held.id as string })
      .update({ created_at: new Date(Date.now() - 110 * 60_000) });
    const unchanged: Body = await klook.client.request('POST', `/octo/bookings/${uuid}/extend`, {
      expirationMinutes: 60,
    });
    expect(unchanged.utcExpiresAt).toBe(longer.utcExpiresAt);
    // placed 1 h 30 min ago and due in a minute: asked for 60, it gets the 30 left
    await api.platform
      .db('orders')
      .where({ id: held.id as string })
      .update({ created_at: new Date(Date.now() - 90 * 60_000), expires_at: new Date(Date.now() + 60_000) });
    const capped: Body = await klook.client.request('POST', `/octo/bookings/${uuid}/extend`, {
      expirationMinutes: 60,
    });
    expect(Math.abs(expiry(capped) - (Date.now() + 30 * 60_000))).toBeLessThan(5_000);
  });

  it.each([
    ['over 60 minutes', { expirationMinutes: 61 }],
    ['a fraction of a minute', { expirationMinutes: 0.5 }],
    ['an unknown field', { expirationMinutes: 10, until: 'forever' }],
  ])('refuses an extension of %s', async (_n, body) => {
    const uuid = randomUUID();
    await reserve(uuid);
    const r = await klook.client.raw('POST', `/octo/bookings/${uuid}/extend`, body);
    expect(r.status).toBe(400);
    expect(await r.json()).toMatchObject({ error: 'BAD_REQUEST' });
  });

  it('moves a confirmed booking to another availability (update = reschedule), once however often it is sent', async () => {
    const uuid = randomUUID();
    await reserve(uuid);
    const before: Body = await klook.client.request('POST', `/octo/bookings/${uuid}/confirm`, {});
    const used = async (slot: string) =>
      (await api.platform.inventory.snapshot('octo-park', D)).slots[slot]?.used ?? 0;
    const [at9, at10] = [await used('0900'), await used('1000')];
    const to = `${D}T10:00:00+08:00`;

    const moved: Body = await klook.client.request('PATCH', `/octo/bookings/${uuid}`, { availabilityId: to });
    expect(moved).toMatchObject({
      uuid,
      status: 'CONFIRMED',
      availabilityId: to,
      availability: { localDateTimeStart: to },
    });
    const codes = (b: Body) =>
      (b.unitItems as Body[])
        .filter((u) => u.status === 'CONFIRMED')
        .map((u) => ((u.ticket as Body).deliveryOptions as Body[])[0]!.deliveryValue);
    expect(codes(moved)).toHaveLength(2);
    for (const c of codes(moved)) expect(codes(before)).not.toContain(c); // new codes; the old ones are revoked
    expect([await used('0900'), await used('1000')]).toEqual([at9 - 2, at10 + 2]);

    const again: Body = await klook.client.request('PATCH', `/octo/bookings/${uuid}`, {
      productId: 'octo-park',
      optionId: 'DEFAULT',
      availabilityId: to,
    });
    expect(codes(again)).toEqual(codes(moved)); // a retried update changes nothing
    expect([await used('0900'), await used('1000')]).toEqual([at9 - 2, at10 + 2]);
    const outbox = await api.platform
      .db('outbox')
      .where({ aggregate_id: moved.id as string, topic: 'order.rescheduled' });
    expect(outbox).toHaveLength(1);
  });

  it.each([
    ['notes (not stored)', { availabilityId: `${D}T11:00:00+08:00`, notes: 'window seat' }, 'BAD_REQUEST'],
    [
      'unit items (cancel and reserve again)',
      { availabilityId: `${D}T11:00:00+08:00`, unitItems: [] },
      'BAD_REQUEST',
    ],
    ['no availability', {}, 'BAD_REQUEST'],
    ['an unknown availability', { availabilityId: `${D}T23:00:00+08:00` }, 'INVALID_AVAILABILITY_ID'],
    [
      'another product',
      { productId: 'elsewhere', availabilityId: `${D}T11:00:00+08:00` },
      'INVALID_PRODUCT_ID',
    ],
    ['another option', { optionId: 'VIP', availabilityId: `${D}T11:00:00+08:00` }, 'INVALID_OPTION_ID'],
  ])('refuses a booking update with %s', async (_n, body, error) => {
    const uuid = randomUUID();
    await reserve(uuid);
    await klook.client.request('POST', `/octo/bookings/${uuid}/confirm`, {});
    const r = await klook.client.raw('PATCH', `/octo/bookings/${uuid}`, body);
    expect(r.status).toBe(400);
    expect(await r.json()).toMatchObject({ error });
    expect((await klook.client.request<Body>('GET', `/octo/bookings/${uuid}`)).availabilityId).toBe(
      `${D}T09:00:00+08:00`,
    );
  });

  it('does not move a booking still on hold', async () => {
    const uuid = randomUUID();
    await reserve(uuid);
    const r = await klook.client.raw('PATCH', `/octo/bookings/${uuid}`, {
      availabilityId: `${D}T10:00:00+08:00`,
    });
    expect(r.status).toBe(400);
    expect(await r.json()).toMatchObject({ error: 'UNPROCESSABLE_ENTITY', code: 'order_not_reschedulable' });
  });

  it('extends only a live hold of this reseller', async () => {
    const uuid = randomUUID();
    await reserve(uuid);
    const other = await partner(api, { id: 'bokun' });
    expect(
      await (
        await other.client.raw('POST', `/octo/bookings/${uuid}/extend`, { expirationMinutes: 10 })
      ).json(),
    ).toMatchObject({ error: 'INVALID_BOOKING_UUID' });

    await klook.client.request('POST', `/octo/bookings/${uuid}/confirm`, {});
    const confirmed = await klook.client.raw('POST', `/octo/bookings/${uuid}/extend`, {
      expirationMinutes: 10,
    });
    expect(confirmed.status).toBe(400);
    expect(await confirmed.json()).toMatchObject({ error: 'UNPROCESSABLE_ENTITY', code: 'order_not_held' });

    const late = randomUUID();
    const b = (await (await reserve(late)).json()) as Body;
    await api.platform
      .db('orders')
      .where({ id: b.id as string })
      .update({ expires_at: new Date(Date.now() - 1_000) }); // its time ran out; the sweeper has not come yet
    const r = await klook.client.raw('POST', `/octo/bookings/${late}/extend`, { expirationMinutes: 10 });
    expect(await r.json()).toMatchObject({ error: 'UNPROCESSABLE_ENTITY', code: 'hold_expired' });
    expect((await klook.client.request<Body>('GET', `/octo/bookings/${late}`)).status).toBe('ON_HOLD'); // nothing written; expiry releases it
  });

  it("lists this reseller's bookings by date, product or supplier reference, and nobody else's", async () => {
    const date = day(9);
    const mine = [randomUUID(), randomUUID()];
    for (const uuid of mine)
      expect(
        (await reserve(uuid, { availabilityId: `${date}T09:00:00+08:00`, unitItems: [unit()] })).status,
      ).toBe(200);
    const other = await partner(api, { id: 'gyg' });
    const theirs = randomUUID();
    expect(
      (
        await other.client.raw(
          'POST',
          '/octo/bookings',
          reserveBody(theirs, { availabilityId: `${date}T09:00:00+08:00`, unitItems: [unit()] }),
        )
      ).status,
    ).toBe(200);

    const byDate = await klook.client.request<Body[]>('GET', `/octo/bookings?localDate=${date}`);
    expect(byDate.map((b) => b.uuid).sort()).toEqual([...mine].sort());
    expect(byDate[0]).toMatchObject({ productId: 'octo-park', status: 'ON_HOLD' });
    const byRange = await klook.client.request<Body[]>(
      'GET',
      `/octo/bookings?productId=octo-park&localDateStart=${day(8)}&localDateEnd=${day(10)}`,
    );
    expect(byRange.map((b) => b.uuid).sort()).toEqual([...mine].sort());
    const one = await klook.client.request<Body[]>(
      'GET',
      `/octo/bookings?supplierReference=${byDate[0]!.id as string}`,
    );
    expect(one.map((b) => b.uuid)).toEqual([byDate[0]!.uuid]);
    expect(
      (await other.client.request<Body[]>('GET', `/octo/bookings?localDate=${date}`)).map((b) => b.uuid),
    ).toEqual([theirs]);
  });

  it.each([
    ['no filter', ''],
    ['an unknown filter', '?when=today'],
    ['a range without its end', `?localDateStart=${D}`],
    ['a range over 31 days', `?localDateStart=${D}&localDateEnd=${day(60)}`],
    ['a reseller reference (not stored)', '?resellerReference=KL-1'],
    ['a malformed supplier reference', '?supplierReference=abc'],
  ])('refuses a booking list with %s', async (_n, query) => {
    const r = await klook.client.raw('GET', `/octo/bookings${query}`);
    expect(r.status).toBe(400);
    expect(await r.json()).toMatchObject({
      error: 'BAD_REQUEST',
      errorMessage: expect.any(String) as unknown,
    });
  });

  it.each([
    ['an unknown product', { productId: 'nowhere' }, 'INVALID_PRODUCT_ID'],
    ['an unknown option', { optionId: 'VIP' }, 'INVALID_OPTION_ID'],
    ['an unknown availability', { availabilityId: `${D}T23:00:00+08:00` }, 'INVALID_AVAILABILITY_ID'],
    ['an unknown unit', { unitItems: [{ ...unit(), unitId: 'pet' }] }, 'INVALID_UNIT_ID'],
    [
      'a missing ID document',
      { unitItems: [{ unitId: 'adult', contact: { fullName: 'x' } }] },
      'BAD_REQUEST',
    ],
  ])('answers %s with an OCTO error', async (_n, over, error) => {
    const r = await reserve(randomUUID(), over);
    expect(r.status).toBe(400);
    expect(await r.json()).toMatchObject({ error, errorMessage: expect.any(String) as unknown });
  });

  it('refuses unauthenticated calls the OCTO way', async () => {
    const r = await fetch(`${api.url}/octo/products`, {
      headers: { authorization: `Bearer ${klook.cred.keyId}.wrong-secret-wrong-secret` },
    });
    expect(r.status).toBe(401);
    expect(await r.json()).toMatchObject({ error: 'UNAUTHORIZED', code: 'bad_credentials' });
  });

  // Reserve latency at the surge is measured by `npm run bench:presale` (bench/octo-prober.ts),
  // not timed here: this checks that 30 reserves at once each get their own hold.
  it('serves 30 reserves at once, each its own hold, the stock counted once each', async () => {
    const before = (await api.platform.inventory.snapshot('octo-park', D)).slots['1400']?.used ?? 0;
    const uuids = Array.from({ length: 30 }, () => randomUUID());
    const answers = await Promise.all(
      uuids.map(async (uuid) => {
        const r = await reserve(uuid, { availabilityId: `${D}T14:00:00+08:00`, unitItems: [unit()] });
        return { status: r.status, body: (await r.json()) as Body };
      }),
    );
    expect(answers.map((a) => a.status)).toEqual(uuids.map(() => 200));
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(30);
    expect(answers.map((a) => a.body.uuid)).toEqual(uuids);
    expect((await api.platform.inventory.snapshot('octo-park', D)).slots['1400']?.used).toBe(before + 30);
  });
});
