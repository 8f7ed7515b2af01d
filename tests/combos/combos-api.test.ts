import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { comboKeys } from '../../core/combos/stock.js';
import { buyAndPay, gateDevice, placeCombo, TODAY, useComboSuite, type Body } from './support.js';

const AREA = 'cmb';

/**
 * Issue 18, combos through the HTTP API: the admin declares a bus (two departures) and a
 * show as components of a combo product, each with its own seats; a visitor buys entry +
 * bus + show, enters at the entrance, rides the bus through the bus door (once; the
 * entrance does not redeem it), refunds what is left (the used bus is not refunded, the
 * show is, under the product's 10 % fee); a sold-out departure refuses the whole order
 * and leaves no stock taken, also with buyers racing; the figures count the components.
 */
describe('18 combos: components reserved with the entry, redeemed at their own door, refunded per component', () => {
  const { api, gates, visitor, order } = useComboSuite(AREA, {
    busSeats: 3,
    visitor: { name: 'Wang Fang', born: '19910101', first: 300 },
  });
  let entrance = '';
  let busDoor = '';
  let showDoor = '';
  const used = async () => (await api.platform.inventory.snapshot(AREA, TODAY)).used;
  const seats = async () => api.platform.redis.hgetall(comboKeys(AREA, TODAY).used);
  const left = async (component: string, session: string) => {
    const a = await api.call('GET', `/v1/areas/${AREA}/combo-availability?date=${TODAY}`);
    expect(a.status).toBe(200);
    const c = (a.body.components as { id: string; sessions: { id: string; left: number }[] }[]).find(
      (x) => x.id === component,
    )!;
    return c.sessions.find((s) => s.id === session)!.left;
  };

  beforeAll(async () => {
    entrance = await gateDevice(api, AREA, 'cmb-north');
    busDoor = await gateDevice(api, AREA, 'cmb-bus-door', 'bus');
    showDoor = await gateDevice(api, AREA, 'cmb-theatre-door', 'show');
  });

  it('the admin API lists the components with their sessions and doors, and refuses a product the area lacks', async () => {
    const list = await api.call('GET', `/v1/admin/areas/${AREA}/combo-components`, { key: api.adminKey });
    expect(list.status).toBe(200);
    const items = list.body.items as Body[];
    expect(items.map((c) => [c.id, c.scanPoints])).toEqual([
      ['bus', ['cmb-bus-door']],
      ['show', ['cmb-theatre-door']],
    ]);
    const bad = await api.call('PUT', `/v1/admin/areas/${AREA}/combo-components/boat`, {
      key: api.adminKey,
      body: {
        name: 'Boat',
        kind: 'other',
        productIds: ['nope'],
        value: 1,
        sessions: [{ id: 'a', startsAt: '10:00', capacity: 1 }],
      },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('combo_component_invalid');
    const anon = await api.call('PUT', `/v1/admin/areas/${AREA}/combo-components/bus`, { body: {} });
    expect(anon.status).toBe(401);
  });

  it('an order that picks no departure is refused before any stock is taken', async () => {
    const before = await used();
    const r = await placeCombo(api, order({ show: 's1930' }));
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('combo_session_required');
    expect(await used()).toBe(before);
  });

  it('buys entry + bus + show, enters, rides the bus once at its door; the entrance does not redeem it', async () => {
    const { order: o, token } = await buyAndPay(api, order({ bus: 'b0900', show: 's1930' }));
    expect(o.amountTotal).toBe(30_000);
    expect(await left('bus', 'b0900')).toBe(2);
    expect(await left('show', 's1930')).toBe(49);
    const ticket = (o.tickets as Body[])[0]!.id as string;

    // the bus door before the visitor entered the area: fine, the bus is its own resource
    expect((await gates.scan(entrance, ticket)).admit).toBe(true);
    // the entrance admitted the visitor and redeemed nothing else
    const afterEntry = await api.platform
      .db('combo_bookings')
      .where({ ticket_id: ticket })
      .orderBy('component_id');
    expect(afterEntry.map((b) => [b.component_id, b.status])).toEqual([
      ['bus', 'active'],
      ['show', 'active'],
    ]);

    const ride = await gates.scan(busDoor, ticket);
    expect(ride).toMatchObject({ admit: true, reason: 'ok', component: { id: 'bus', sessionId: 'b0900' } });
    const again = await gates.scan(busDoor, ticket);
    expect(again).toMatchObject({ admit: false, reason: 'already_redeemed' });
    // a second entrance scan is the entrance's own matter (already used), not the bus's
    expect((await gates.scan(entrance, ticket)).admit).toBe(false);
    // the door counted no area entry
    const entries = await api.platform.db('tickets').where({ id: ticket }).first('entries_used');
    expect(entries!.entries_used).toBe(1);

    // refund: the used bus is not refundable, by name or whole ticket
    const byName = await api.call('POST', `/v1/orders/${o.id as string}/component-refunds`, {
      headers: { 'x-order-token': token, 'idempotency-key': randomUUID() },
      body: { componentIds: ['bus'], reason: 'change_of_plans' },
    });
    expect(byName.status).toBe(409);
    expect(byName.body.code).toBe('combo_component_used');
    const whole = await api.call('POST', `/v1/orders/${o.id as string}/refunds`, {
      headers: { 'x-order-token': token, 'idempotency-key': randomUUID() },
      body: { reason: 'change_of_plans' },
    });
    expect(whole.status).toBe(409);

    // the unused show refunds its value under the product policy: 10 000 less 10 %
    const showBack = await api.call('POST', `/v1/orders/${o.id as string}/component-refunds`, {
      headers: { 'x-order-token': token, 'idempotency-key': randomUUID() },
      body: { reason: 'change_of_plans' },
    });
    expect(showBack.status, JSON.stringify(showBack.body)).toBe(201);
    expect(showBack.body.refund).toMatchObject({ amount: 9_000, fee: 1_000, components: ['show'] });
    expect(await left('show', 's1930')).toBe(50);
    expect(await left('bus', 'b0900')).toBe(2);
    // the theatre door now refuses it; nothing is left to refund
    expect(await gates.scan(showDoor, ticket)).toMatchObject({ admit: false, reason: 'revoked' });
    const nothing = await api.call('POST', `/v1/orders/${o.id as string}/component-refunds`, {
      headers: { 'x-order-token': token, 'idempotency-key': randomUUID() },
      body: { reason: 'change_of_plans' },
    });
    expect(nothing.body.code).toBe('combo_nothing_to_refund');
  });

  it('a plain ticket at the bus door is refused: it includes no bus', async () => {
    const { order: o } = await buyAndPay(api, {
      areaId: AREA,
      date: TODAY,
      slotId: 'day',
      items: [{ productId: 'adult', visitors: [visitor()] }],
    });
    const ticket = (o.tickets as Body[])[0]!.id as string;
    expect(await gates.scan(busDoor, ticket)).toMatchObject({
      admit: false,
      reason: 'not_allowed_for_device',
    });
  });

  it('an unused combo refunds whole under its policy and gives every seat back', async () => {
    const before = {
      entry: await used(),
      bus: await left('bus', 'b1400'),
      show: await left('show', 's1930'),
    };
    const { order: o, token } = await buyAndPay(api, order({ bus: 'b1400', show: 's1930' }, 2));
    expect(await left('bus', 'b1400')).toBe(before.bus - 2);
    const r = await api.call('POST', `/v1/orders/${o.id as string}/refunds`, {
      headers: { 'x-order-token': token, 'idempotency-key': randomUUID() },
      body: { reason: 'illness' },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect((r.body.refund as Body).amount).toBe(54_000);
    expect(await left('bus', 'b1400')).toBe(before.bus);
    expect(await left('show', 's1930')).toBe(before.show);
    expect(await used()).toBe(before.entry);
  });

  it('a sold-out departure refuses the whole order and leaves no entry and no show seat taken', async () => {
    // b0900 has 2 seats left: an order of 3 does not fit
    const before = { entry: await used(), seats: await seats() };
    const r = await placeCombo(api, order({ bus: 'b0900', show: 's1930' }, 3));
    expect(r.status).toBe(409);
    expect(r.body.code).toBe('combo_component_sold_out');
    expect(await used()).toBe(before.entry);
    expect(await seats()).toEqual(before.seats);
  });

  it('buyers racing for the last departure seats: none oversold, refused orders keep nothing', async () => {
    const before = { entry: await used(), show: await left('show', 's1930') };
    const free = await left('bus', 'b0900');
    expect(free).toBe(2);
    const results = await Promise.all(
      Array.from({ length: 12 }, () => placeCombo(api, order({ bus: 'b0900', show: 's1930' }))),
    );
    const won = results.filter((r) => r.status === 201);
    expect(won).toHaveLength(free);
    for (const r of results.filter((x) => x.status !== 201))
      expect(r.body.code).toBe('combo_component_sold_out');
    expect(await left('bus', 'b0900')).toBe(0);
    expect(await used()).toBe(before.entry + free);
    expect(await left('show', 's1930')).toBe(before.show - free);
    const held = await api.platform
      .db('combo_bookings')
      .where({ component_id: 'bus', session_id: 'b0900' })
      .whereNot({ status: 'void' })
      .sum({ n: 'units' });
    expect(Number(held[0]!.n)).toBe(3); // the first buyer's seat and the two winners'

    // a hold that is cancelled gives its seats back
    const first = won[0]!.body;
    const cancel = await api.call('POST', `/v1/orders/${first.id as string}/cancel`, {
      headers: { 'x-order-token': first.accessToken as string },
    });
    expect(cancel.status, JSON.stringify(cancel.body)).toBeLessThan(300);
    expect(await left('bus', 'b0900')).toBe(1);
  });

  it('the figures count each component: sold, redeemed, refunded, open; settlement adds up to the money taken', async () => {
    const rep = await api.call('GET', `/v1/admin/areas/${AREA}/combo-report?from=${TODAY}&to=${TODAY}`, {
      key: api.adminKey,
    });
    expect(rep.status).toBe(200);
    const by = Object.fromEntries(
      (rep.body.components as Body[]).map((c) => [`${c.componentId as string}|${c.sessionId as string}`, c]),
    );
    // paid orders only: the first combo (bus used, show refunded) and the refunded pair
    expect(by['bus|b0900']).toMatchObject({
      sold: 1,
      redeemed: 1,
      refunded: 0,
      open: 0,
      valueRedeemed: 8_000,
    });
    expect(by['bus|b1400']).toMatchObject({ sold: 2, redeemed: 0, refunded: 2, open: 0 });
    expect(by['show|s1930']).toMatchObject({ sold: 3, redeemed: 0, refunded: 3, valueRefunded: 30_000 });

    const s = await api.call('GET', `/v1/admin/settlement?from=${TODAY}&to=${TODAY}`, { key: api.adminKey });
    expect(s.status).toBe(200);
    const totals = s.body.totals as { sales: number; refunds: number; taken: number };
    // back: 9 000 (the unused show) and 54 000 (the unused pair, 10 % kept)
    expect(totals.refunds).toBe(63_000);
    expect(totals.taken).toBe(totals.sales - totals.refunds);
    const paid = await api.platform
      .db('payments')
      .whereIn('status', ['succeeded', 'refunded'])
      .sum({ s: 'amount' });
    const back = await api.platform.db('refunds').whereNot({ status: 'failed' }).sum({ s: 'amount' });
    expect(Number(paid[0]!.s)).toBe(totals.sales);
    expect(Number(paid[0]!.s) - Number(back[0]!.s)).toBe(totals.taken);
  });
});
