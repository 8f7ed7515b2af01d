import { beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { useApi, residentId } from '../support/platform.js';
import { demoArea } from '../../core/catalog/demo.js';
import { registerGateDevice } from '../../core/checkin/devices.js';
import type { PrecheckResult } from '../../core/checkin/protocol.js';
import { addDays, localParts } from '../../core/time.js';
import { day, partner, type Body } from '../channels/support.js';

/**
 * 17.11: concession prices for anyone. Senior, child and student tickets were sold against
 * any ID. Now a product's age band (declared, or its kind's: seniors 60+, children under 18)
 * is checked at sale against the birth date in the resident ID (digits 7–14) on the visit
 * date, in every channel, and refused with `concession_not_eligible` naming the traveller's
 * field. Passports and permits carry no birth date: sold, and the gate's answer tells
 * staff to check an age document; a child ticket's answer says "check the height", a
 * student ticket's "check the student card".
 */
const D = day(5);
const TODAY = localParts(new Date(), 'Asia/Shanghai').date;
const ymd = (iso: string) => iso.replaceAll('-', '');
/** the birth date of someone who turns `years` on `on` (plus `days` later) */
const bornYearsBefore = (on: string, years: number, days = 0) =>
  ymd(addDays(`${Number(on.slice(0, 4)) - years}${on.slice(4)}`, days));

let seq = 300;
const traveller = (birth: string, name = '王老五') => ({ name, idNumber: residentId(birth, seq++) });

describe('17.11 concession tickets are sold only inside their age band, in every channel', () => {
  const api = useApi({ app: { rateLimits: false } });
  let ota: Awaited<ReturnType<typeof partner>>;
  let window: string;
  let kiosk: string;
  beforeAll(async () => {
    await api.seed(
      demoArea({
        id: 'conc',
        slots: [{ id: 'allday', startsAt: '00:00', endsAt: '23:59', capacity: 500 }],
        priceRules: [],
        quotas: [],
        coupons: [],
        products: [
          { id: 'adult', name: 'Adult', kind: 'adult', basePrice: 8000 },
          { id: 'child', name: 'Child (1.2–1.5 m)', kind: 'child', basePrice: 4000 },
          { id: 'senior', name: 'Senior (60+)', kind: 'senior', basePrice: 4000 },
          { id: 'student', name: 'Student', kind: 'student', basePrice: 5000 },
          {
            id: 'youth',
            name: 'Youth (6–17)',
            kind: 'child',
            basePrice: 3000,
            eligibility: { minAge: 6, underAge: 18, checks: [] },
          },
        ],
      }),
    );
    ota = await partner(api, { id: 'conc-ota' });
    window = await api.key('box-office', 'box-office');
    kiosk = await api.key('kiosk', 'kiosk');
  });

  const visitorOrder = (productId: string, visitors: Body[]) =>
    api.call('POST', '/v1/orders', {
      headers: { 'idempotency-key': randomUUID() },
      body: { areaId: 'conc', date: D, slotId: 'allday', items: [{ productId, visitors }] },
    });

  function expectRefused(r: { status: number; body: Body }, field: string) {
    expect(r.status, JSON.stringify(r.body)).toBe(400);
    expect(r.body.code).toBe('concession_not_eligible');
    const fields = r.body.errors as { path: string; message: string }[];
    expect(fields.map((f) => f.path)).toContain(field);
    // the traveller is named, masked: never the whole ID number
    expect(JSON.stringify(r.body)).not.toMatch(/\d{17}[\dX]/);
  }

  it('refuses a senior ticket to a 30-year-old visitor and names the traveller', async () => {
    const r = await visitorOrder('senior', [traveller('19500101', '李老'), traveller('19960307', '张三')]);
    expectRefused(r, 'items.0.visitors.1');
    expect(String((r.body.errors as { message: string }[])[0]!.message)).toContain('张*');
    const [row] = await api.platform
      .db('orders')
      .where({ area_id: 'conc' })
      .count<{ n: string }[]>({ n: '*' });
    expect(Number(row?.n)).toBe(0);
  });

  it('checks the age on the visit date, not on the day of sale', async () => {
    // 60 on the visit date: a senior; one day short of 60 then: not
    expect((await visitorOrder('senior', [traveller(bornYearsBefore(D, 60))])).status).toBe(201);
    expectRefused(await visitorOrder('senior', [traveller(bornYearsBefore(D, 60, 1))]), 'items.0.visitors.0');
    // under 18 on the visit date: a child; 18 that day: an adult
    expect((await visitorOrder('child', [traveller(bornYearsBefore(D, 18, 1))])).status).toBe(201);
    expectRefused(await visitorOrder('child', [traveller(bornYearsBefore(D, 18))]), 'items.0.visitors.0');
  });

  it('keeps a declared band: 6 to 17', async () => {
    expect((await visitorOrder('youth', [traveller(bornYearsBefore(D, 10))])).status).toBe(201);
    expectRefused(await visitorOrder('youth', [traveller(bornYearsBefore(D, 4))]), 'items.0.visitors.0');
  });

  it('refuses through the partner API and OCTO', async () => {
    const p = await ota.client.raw('POST', '/partner/v1/orders', {
      partnerOrderId: `CONC-${randomUUID()}`,
      areaId: 'conc',
      date: D,
      slotId: 'allday',
      items: [{ productId: 'child', visitors: [traveller('19881111')] }],
    });
    expectRefused({ status: p.status, body: (await p.json()) as Body }, 'items.0.visitors.0');
    const o = await ota.client.raw('POST', '/octo/bookings', {
      uuid: randomUUID(),
      productId: 'conc',
      optionId: 'DEFAULT',
      availabilityId: `${D}T00:00:00+08:00`,
      unitItems: [
        {
          unitId: 'senior',
          contact: { fullName: '孙八' },
          identityDocument: { number: residentId('19881111', seq++) },
        },
      ],
    });
    const body = (await o.json()) as Body;
    expect(o.status, JSON.stringify(body)).toBe(400);
    expect(body.code).toBe('concession_not_eligible');
  });

  it('refuses at the box office and the kiosk, on today', async () => {
    const sell = (key: string, productId: string, birth: string, payment: Body) =>
      api.call('POST', '/v1/box-office/sales', {
        key,
        headers: { 'idempotency-key': randomUUID() },
        body: {
          areaId: 'conc',
          slotId: 'allday',
          items: [{ productId, visitors: [traveller(birth)] }],
          payment,
        },
      });
    expectRefused(
      await sell(window, 'senior', bornYearsBefore(TODAY, 59), { method: 'cash', tendered: 4000 }),
      'items.0.visitors.0',
    );
    expectRefused(await sell(kiosk, 'child', '19900101', { method: 'qr' }), 'items.0.visitors.0');
    expect(
      (await sell(window, 'senior', bornYearsBefore(TODAY, 70), { method: 'cash', tendered: 4000 })).status,
    ).toBe(201);
  });

  it('sells to a passport holder and tells the gate what staff must check', async () => {
    const sell = (productId: string, v: Body) =>
      api.call('POST', '/v1/box-office/sales', {
        key: window,
        headers: { 'idempotency-key': randomUUID() },
        body: {
          areaId: 'conc',
          slotId: 'allday',
          items: [{ productId, visitors: [v] }],
          payment: { method: 'card', reference: 'POS-1' },
        },
      });
    const passport = await sell('senior', {
      name: 'John Smith',
      idType: 'passport',
      idNumber: `E${seq++}12345`,
    });
    const child = await sell('child', traveller(bornYearsBefore(TODAY, 9)));
    const student = await sell('student', traveller('20040506'));
    const adult = await sell('adult', traveller('19900101'));
    for (const r of [passport, child, student, adult]) expect(r.status, JSON.stringify(r.body)).toBe(201);

    const entrance = 'north-gate';
    const { credential } = await registerGateDevice(
      api.platform.db,
      { id: 'conc-g1', areaId: 'conc', entranceId: entrance, kind: 'turnstile' },
      api.platform.clock,
    );
    const ask = async (r: { body: Body }) => {
      const ticketId = ((r.body.order as Body).tickets as Body[])[0]!.id as string;
      const res = await fetch(`${api.url}/gate/v1/precheck`, {
        method: 'POST',
        headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/json' },
        body: JSON.stringify({ scanId: randomUUID(), ticketId, at: new Date().toISOString(), media: 'qr' }),
      });
      const body = (await res.json()) as PrecheckResult;
      expect(body.admit, JSON.stringify(body)).toBe(true);
      return body.staffChecks;
    };
    expect(await ask(passport)).toEqual(['age_document']);
    expect(await ask(child)).toEqual(['height']);
    expect(await ask(student)).toEqual(['student_card']);
    expect(await ask(adult)).toEqual([]);
  });
});
