import { beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { useApi, residentId } from '../support/platform.js';
import { demoArea } from '../../core/catalog/demo.js';
import { day, partner, type Body } from '../channels/support.js';

/**
 * Issue 22, crowd-forecast pricing through the admin and the selling APIs: a manager sets a
 * product's floor and ceiling and pins a slot-day's factor; the price moves with it within
 * the bounds, the same in the visitor's availability, a partner's availability and
 * products, and OCTO; the price is fixed when the hold is made, whatever the factor does
 * before payment; every change is in the audit trail; the forecast explains the factor.
 */
const AREA = 'dyn';
const D = day(5);
const SLOT = '0900';
const idem = () => ({ 'idempotency-key': randomUUID() });

describe('22 crowd-forecast pricing: guard rails, pinned factors, one price everywhere, fixed at hold', () => {
  const api = useApi({ app: { rateLimits: false } });
  let trip: Awaited<ReturnType<typeof partner>>;
  let manager: string;
  let reader: string;
  beforeAll(async () => {
    await api.seed(demoArea({ id: AREA }));
    trip = await partner(api, { id: 'trip' }); // no discount: its price is the visitor's
    manager = await api.key('area-manager', undefined, { areas: [AREA] });
    reader = await api.key('finance', undefined, { areas: [AREA] });
  });

  const bounds = (productId: string, b: Body, key = manager) =>
    api.call('PUT', `/v1/admin/areas/${AREA}/products/${productId}/dynamic-pricing`, { key, body: b });
  const pin = (factorBps: number, slotId = SLOT, date = D) =>
    api.call('PUT', `/v1/admin/areas/${AREA}/price-factors/${date}/${slotId}`, {
      key: manager,
      body: { factorBps, reason: 'test pin' },
    });
  const unpin = (slotId = SLOT, date = D) =>
    api.call('DELETE', `/v1/admin/areas/${AREA}/price-factors/${date}/${slotId}`, { key: manager });

  /** The adult unit price each channel shows for the slot. */
  async function shownPrices(slotId = SLOT) {
    const visitor = await api.call('GET', `/v1/areas/${AREA}/availability?date=${D}`);
    expect(visitor.status).toBe(200);
    const vSlot = (visitor.body.slots as Body[]).find((s) => s.slotId === slotId)!;
    const vPrice = (vSlot.prices as Body[]).find((x) => x.productId === 'adult')!;
    const pav = await trip.client.availability(AREA, D);
    const pSlot = (pav.slots as Body[]).find((s) => s.slotId === slotId)!;
    const pPrice = (pSlot.prices as Body[]).find((x) => x.productId === 'adult')!;
    const products = await trip.client.products(AREA, D);
    const adult = (products.products as Body[]).find((x) => x.productId === 'adult')!;
    const offer = (adult.prices as Body[]).find((x) => x.slotId === slotId)!;
    const octo = await trip.client.request<Body[]>('POST', '/octo/availability', {
      productId: AREA,
      optionId: 'DEFAULT',
      localDateStart: D,
      localDateEnd: D,
      units: [{ id: 'adult', quantity: 1 }],
    });
    const oSlot = octo.find((a) => a.id === `${D}T${slotId.slice(0, 2)}:${slotId.slice(2)}:00+08:00`)!;
    const oPrice = (oSlot.unitPricing as Body[]).find((u) => u.unitId === 'adult')!;
    return {
      visitor: vPrice.unitPrice,
      partnerAvailability: pPrice.unitPrice,
      partnerProducts: offer.unitPrice,
      octo: oPrice.retail,
      dynamic: vPrice.dynamic,
      factorBps: vSlot.factorBps,
    };
  }
  const everywhere = (price: number) => ({
    visitor: price,
    partnerAvailability: price,
    partnerProducts: price,
    octo: price,
  });

  let n = 500;
  const visitors = (k: number) =>
    Array.from({ length: k }, () => ({ name: '王五', idNumber: residentId('19900307', n++) }));

  it('refuses bounds that do not straddle the base price, and a key that cannot configure the area', async () => {
    const floorAbove = await bounds('adult', { enabled: true, floor: 9000, ceiling: 12000 });
    expect(floorAbove.status).toBe(400);
    expect(floorAbove.body).toMatchObject({ code: 'invalid_input', errors: [{ path: 'floor' }] });
    const ceilingBelow = await bounds('adult', { enabled: true, floor: 6000, ceiling: 7000 });
    expect(ceilingBelow.status).toBe(400);
    expect(ceilingBelow.body).toMatchObject({ errors: [{ path: 'ceiling' }] });
    const crossed = await bounds('adult', { enabled: true, floor: 9000, ceiling: 8000 });
    expect(crossed.status).toBe(400);
    expect((await bounds('adult', { enabled: true, floor: 6000, ceiling: 10000 }, reader)).status).toBe(403);
    expect((await bounds('nope', { enabled: true, floor: 6000, ceiling: 10000 })).status).toBe(404);
  });

  it('off by default: a pinned factor leaves a product without bounds at its base price', async () => {
    const list = await api.call('GET', `/v1/admin/areas/${AREA}/pricing`, { key: reader });
    expect(list.status).toBe(200);
    expect((list.body.items as Body[]).find((i) => i.productId === 'adult')).toMatchObject({
      basePrice: 8000,
      dynamicPricing: null,
    });
    expect((await pin(12000)).status).toBe(200);
    expect(await shownPrices()).toMatchObject({ ...everywhere(8000), dynamic: false, factorBps: 12000 });
  });

  it('a pinned factor changes the price, the same in every channel, within the floor and ceiling', async () => {
    const set = await bounds('adult', { enabled: true, floor: 6000, ceiling: 10000 });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect(set.body).toMatchObject({
      productId: 'adult',
      dynamicPricing: { enabled: true, floor: 6000, ceiling: 10000 },
    });
    // 8000 × 1.20
    expect(await shownPrices()).toMatchObject({ ...everywhere(9600), dynamic: true });
    // 8000 × 1.50 = 12000: held at the ceiling
    expect((await pin(15000)).status).toBe(200);
    expect(await shownPrices()).toMatchObject(everywhere(10000));
    // 8000 × 0.50 = 4000: held at the floor
    expect((await pin(5000)).status).toBe(200);
    expect(await shownPrices()).toMatchObject(everywhere(6000));
    // another slot of the same day has no factor: its base price
    expect(await shownPrices('1000')).toMatchObject({ ...everywhere(8000), factorBps: null });
    // a pin outside 0.30×–3.00× or on a slot the area does not have is refused
    expect((await pin(50000)).status).toBe(400);
    const slot = await pin(11000, 'x9999');
    expect(slot.status).toBe(400);
    expect(slot.body.code).toBe('unknown_price_slot');
  });

  it('fixes the price at hold time: a factor changed before payment changes neither the order nor its payment', async () => {
    expect((await pin(12000)).status).toBe(200);
    const held = await api.call('POST', '/v1/orders', {
      headers: idem(),
      body: {
        areaId: AREA,
        date: D,
        slotId: SLOT,
        items: [{ productId: 'adult', visitors: visitors(2) }],
        contactPhone: '13812345678',
      },
    });
    expect(held.status, JSON.stringify(held.body)).toBe(201);
    expect(held.body).toMatchObject({ status: 'held', amountTotal: 19200 });
    const byPartner = await trip.client.createOrder({
      partnerOrderId: 'TRIP-1',
      areaId: AREA,
      date: D,
      slotId: SLOT,
      items: [{ productId: 'adult', visitors: visitors(1) }],
    });
    expect(byPartner).toMatchObject({ status: 'held', amountTotal: 9600 });

    // the factor moves before anyone pays
    expect((await pin(8000)).status).toBe(200);
    expect(await shownPrices()).toMatchObject(everywhere(6400));

    const id = held.body.id as string;
    const token = held.body.accessToken as string;
    const payment = await api.call('POST', `/v1/orders/${id}/payments`, {
      headers: { 'x-order-token': token },
    });
    expect(payment.status).toBe(201);
    expect((await api.payment(id)).amount).toBe(19200);
    expect((await api.pay(id)).at(-1)?.status).toBe(204);
    const paid = await api.call('GET', `/v1/orders/${id}`, { headers: { 'x-order-token': token } });
    expect(paid.body).toMatchObject({ status: 'issued', amountTotal: 19200 });
    expect(await trip.client.confirm('TRIP-1')).toMatchObject({ status: 'issued', amountTotal: 9600 });
    // the order explains its price: the crowd factor step of the hold
    const row = await api.platform.db('orders').where({ id }).first();
    expect(JSON.stringify(row!.pricing)).toContain('crowd factor 1.20');
  });

  it('the forecast explains the factor, a refresh leaves a pin alone, and unpinning returns to the forecast’s factor', async () => {
    const refreshed = await api.call('POST', `/v1/admin/areas/${AREA}/forecast/refresh`, { key: manager });
    expect(refreshed.status, JSON.stringify(refreshed.body)).toBe(200);
    expect(refreshed.body).toMatchObject({ areaId: AREA, forecasts: 30 * 9 });
    expect(refreshed.body.error).toMatchObject({ leadDays: 7 });

    const fc = await api.call('GET', `/v1/admin/areas/${AREA}/forecast?from=${D}&days=1`, { key: reader });
    expect(fc.status).toBe(200);
    const slots = fc.body.slots as Body[];
    expect(slots).toHaveLength(9);
    const pinned = slots.find((s) => s.slotId === SLOT)!;
    // the pin held through the refresh; the forecast says what it would have been and why
    expect(pinned.factor).toMatchObject({ factorBps: 8000, source: 'manager' });
    const forecast = pinned.forecast as Body;
    expect(forecast.visitors).toBe(3); // no history: what is booked so far
    expect((forecast.factors as Body[]).map((f) => f.name)).toContain('base');
    expect(forecast.suggestedFactorBps).toBe(8500); // a nearly empty slot: the curve's cheapest
    const adult = (pinned.products as Body[]).find((p) => p.productId === 'adult')!;
    expect(adult).toMatchObject({ unitPrice: 6400, heldBy: null });
    // a slot with no history and no bookings: its forecast rests on nothing, no factor, the base price
    const other = slots.find((s) => s.slotId === '1000')!;
    expect(other.factor).toBeNull();
    expect(other.forecast).toMatchObject({ visitors: 0, suggestedFactorBps: null });
    expect(await shownPrices('1000')).toMatchObject(everywhere(8000));

    const lifted = await unpin();
    expect(lifted.status).toBe(200);
    expect(lifted.body.factor).toMatchObject({ factorBps: 8500, source: 'forecast' });
    expect(await shownPrices()).toMatchObject(everywhere(6800));
    // unpinning what is not pinned changes nothing
    expect((await unpin()).body.factor).toMatchObject({ factorBps: 8500, source: 'forecast' });

    const factors = await api.call('GET', `/v1/admin/areas/${AREA}/price-factors?from=${D}&to=${day(6)}`, {
      key: reader,
    });
    expect(factors.body.items).toEqual([{ date: D, slotId: SLOT, factorBps: 8500, source: 'forecast' }]);
  });

  it('audits every change with its before, its after and the manager’s reason', async () => {
    const trail = await api.call('GET', `/v1/admin/areas/${AREA}/audit?limit=500`, { key: api.adminKey });
    expect(trail.status).toBe(200);
    const items = trail.body.items as Body[];
    const mine = (action: string) =>
      items.filter((i) => i.action === action && String(i.subject).startsWith(AREA));
    const bounded = mine('scenic.price.bounds_changed');
    expect(bounded).toHaveLength(1);
    expect(bounded[0]).toMatchObject({
      subject: `${AREA}/adult`,
      before: { dynamicPricing: null },
      after: { dynamicPricing: { floor: 6000, ceiling: 10000 } },
    });
    const pins = mine('scenic.price.factor_changed').filter((i) => i.subject === `${AREA}/${D}/${SLOT}`);
    // 12000, 15000, 5000, 12000, 8000: the refused pins changed nothing
    expect(pins.map((i) => (i.after as Body).factorBps).reverse()).toEqual([12000, 15000, 5000, 12000, 8000]);
    expect(pins[0]).toMatchObject({
      data: { reason: 'test pin' },
      before: { factorBps: 12000, source: 'manager' },
    });
    const unpins = mine('scenic.price.factor_unpinned');
    expect(unpins).toHaveLength(1);
    expect(unpins[0]).toMatchObject({ before: { source: 'manager' }, after: { source: 'forecast' } });
  });
});
