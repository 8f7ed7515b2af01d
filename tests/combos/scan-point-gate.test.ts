import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../../core/time.js';
import { buyAndPay, gateDevice, placeCombo, TODAY, useComboSuite, type Body } from './support.js';

const AREA = 'cmbg';

/**
 * Issue 18, the gate side of a combo component: a gate agent in the role of the bus door
 * speaks the ordinary gate protocol (precheck, journal) and redeems the bus only, once —
 * two doors scanning one ticket at the same moment admit it once, an offline admit
 * journalled later redeems it, a repeated scan id answers as before — and never counts
 * an entry to the area.
 */
describe('18 combo scan point: the bus door redeems the bus once, and nothing else', () => {
  const { api, gates, order } = useComboSuite(AREA, {
    busSeats: 20,
    visitor: { name: 'Zhao Lei', born: '19850505', first: 500 },
  });
  const doors: string[] = [];
  const sessions = { bus: 'b0900', show: 's1930' };
  const buy = async (date = TODAY) => (await buyAndPay(api, order(sessions, 1, date))).order;
  const ticketOf = (o: Body) => (o.tickets as Body[])[0]!.id as string;
  const booking = (ticketId: string) =>
    api.platform.db('combo_bookings').where({ ticket_id: ticketId, component_id: 'bus' }).first();

  beforeAll(async () => {
    doors.push(await gateDevice(api, AREA, 'cmbg-bus-front', 'bus'));
    doors.push(await gateDevice(api, AREA, 'cmbg-bus-rear', 'bus'));
  });

  it('two doors scanning the same ticket at once admit it once', async () => {
    const t = ticketOf(await buy());
    const scan = (door: string) =>
      gates.post(door, 'precheck', {
        scanId: randomUUID(),
        ticketId: t,
        at: new Date().toISOString(),
        media: 'qr',
      });
    const answers = await Promise.all([scan(doors[0]!), scan(doors[1]!), scan(doors[0]!), scan(doors[1]!)]);
    expect(answers.filter((a) => a.admit)).toHaveLength(1);
    expect(answers.filter((a) => !a.admit).map((a) => a.reason)).toEqual([
      'already_redeemed',
      'already_redeemed',
      'already_redeemed',
    ]);
    expect((await booking(t))!.status).toBe('redeemed');
    // the door is not an entrance: no entry counted, no entrance scan recorded
    expect((await api.platform.db('tickets').where({ id: t }).first('entries_used'))!.entries_used).toBe(0);
    expect(await api.platform.db('checkin_scans').where({ ticket_id: t }).first()).toBeUndefined();
  });

  it('a repeated scan id answers as the first time', async () => {
    const t = ticketOf(await buy());
    const scan = { scanId: randomUUID(), ticketId: t, at: new Date().toISOString(), media: 'qr' };
    const first = await gates.post(doors[0]!, 'precheck', scan);
    const replay = await gates.post(doors[0]!, 'precheck', scan);
    expect(first).toMatchObject({ admit: true, reason: 'ok' });
    expect(replay).toMatchObject({ admit: true, reason: 'ok', component: { id: 'bus', sessionId: 'b0900' } });
    expect(await api.platform.db('combo_scans').where({ ticket_id: t }).count({ n: '*' })).toEqual([
      { n: 1 },
    ]);
  });

  it('an offline admit journalled later redeems the bus; the same entry again is a duplicate', async () => {
    const t = ticketOf(await buy());
    const entry = {
      scanId: randomUUID(),
      seq: 1,
      ticketId: t,
      at: new Date().toISOString(),
      media: 'qr',
      direction: 'in',
      decision: 'admit',
      reason: 'ok',
      mode: 'offline',
    };
    const first = await gates.post(doors[1]!, 'journal', { entries: [entry] });
    expect(first).toMatchObject({ accepted: 1, duplicates: 0 });
    expect((await booking(t))!.status).toBe('redeemed');
    const again = await gates.post(doors[1]!, 'journal', { entries: [entry] });
    expect(again).toMatchObject({ accepted: 0, duplicates: 1 });
    expect((await gates.scan(doors[0]!, t)).reason).toBe('already_redeemed');
  });

  it('refuses an unpaid combo (not_issued) and one for another day (wrong_date)', async () => {
    const held = await placeCombo(api, order(sessions));
    expect(held.status).toBe(201);
    expect((await gates.scan(doors[0]!, ticketOf(held.body))).reason).toBe('not_issued');
    const tomorrow = await buy(addDays(TODAY, 1));
    expect((await gates.scan(doors[0]!, ticketOf(tomorrow))).reason).toBe('wrong_date');
    expect((await booking(ticketOf(tomorrow)))!.status).toBe('active');
  });
});
