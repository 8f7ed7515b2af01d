import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.js';
import { evaluateZones, readZones, type ZoneDeps } from '../../core/zones/evaluate.js';
import { httpSignage } from '../../core/zones/signage.js';
import { zoneMessages } from '../../core/zones/store.js';
import { startLedBroadcastFake, type LedBroadcastFake } from '../../fakes/led-broadcast.js';
import { useApi } from '../support/platform.js';
import { gateOf, paidTickets, scanIn, seedScreenArea } from '../screen/support.js';
import { declareZones, scanOut } from './support.js';

/**
 * The zone test of issue 21's "Done when": visitors scanned into zone A (at its scan
 * point, the east gate) cross its diversion threshold; the diversion message reaches the
 * local LED screen and loudspeaker (fakes/led-broadcast.ts, through the generic HTTP
 * adapter) once; scans out of A empty it and the message is withdrawn, once, after the
 * minimum hold time of the injected clock.
 */
const AREA = 'zon-a';
const SECRET = 'signage-secret-for-the-zone-test';

describe('zone diversion end to end', () => {
  const api = useApi({ app: { rateLimits: false } });
  const clock = new ManualClock(new Date());
  let fake: LedBroadcastFake;
  let d: ZoneDeps;
  let date: string;

  beforeAll(async () => {
    fake = await startLedBroadcastFake({ secret: SECRET, nowMs: () => clock.now().getTime() });
    date = await seedScreenArea(api, AREA, 100);
    await api.platform.keys();
    await declareZones(api, AREA, {
      zones: [
        { id: 'a', name: { zh: '区域A', en: 'Zone A' }, capacity: 5, entrances: ['east-gate'] },
        { id: 'b', name: { zh: '区域B', en: 'Zone B' }, capacity: 10, entrances: ['north-gate'] },
      ],
      diversion: {
        pairs: [{ from: 'a', to: 'b' }],
        signage: [
          { name: 'a-east-led', kind: 'led', url: fake.endpoint('led', 'a-east-led') },
          { name: 'a-speakers', kind: 'broadcast', url: fake.endpoint('broadcast', 'a-speakers') },
        ],
        minHoldSeconds: 60,
      },
    });
    d = {
      db: api.platform.db,
      clock,
      log: api.platform.log,
      signage: httpSignage({ secret: SECRET, nowMs: () => clock.now().getTime() }),
    };
  }, 60_000);
  afterAll(async () => fake?.close());

  const inA = async () => (await readZones(api.platform.db, await area(), clock.now()))[0]!;
  const area = async () => (await api.platform.db('areas').where({ id: AREA }).first())!;

  it('diverts once when A crosses its threshold, and clears once when A empties', async () => {
    const east = await gateOf(api, AREA, 'zon-a-east', 'east-gate');
    const tickets = await paidTickets(api, AREA, date, 5);
    // 3 of 5 (60 %): yellow (70 % of 5 is 3 people), under orange (85 %: 4): nothing is said
    for (const t of tickets.slice(0, 3)) await scanIn(api, east, t);
    expect(await evaluateZones(d, AREA)).toEqual([]);
    expect(await inA()).toMatchObject({ inZone: 3, capacity: 5, level: 'yellow' });

    // the 4th crosses it: one message to each endpoint
    await scanIn(api, east, tickets[3]!);
    const shown = await evaluateZones(d, AREA);
    expect(shown.map((m) => [m.endpoint, m.action, m.status])).toEqual([
      ['a-east-led', 'show', 'sent'],
      ['a-speakers', 'show', 'sent'],
    ]);
    expect(fake.messages).toHaveLength(2);
    expect(fake.refused).toEqual([]);
    const led = fake.messages.find((m) => m.kind === 'led')!.message;
    expect(led).toMatchObject({
      type: 'scenic.zone.diversion',
      action: 'show',
      areaId: AREA,
      zone: { id: 'a', inZone: 4, capacity: 5, level: 'orange' },
      to: { id: 'b' },
      text: { zh: '区域A 游客较多，建议先游览区域B', en: 'Zone A is crowded, visit Zone B first' },
    });

    // more people, a later reading: still one message
    await scanIn(api, east, tickets[4]!);
    clock.advance(10_000);
    expect(await evaluateZones(d, AREA)).toEqual([]);
    expect(fake.messages).toHaveLength(2);

    // A empties at once: the withdrawal waits for the minimum hold (60 s from the show)
    await scanOut(api, east, tickets, { n: 0 });
    expect((await inA()).inZone).toBe(0);
    expect(await evaluateZones(d, AREA)).toEqual([]);
    clock.advance(50_000);
    const cleared = await evaluateZones(d, AREA);
    expect(cleared.map((m) => [m.endpoint, m.action, m.status])).toEqual([
      ['a-east-led', 'clear', 'sent'],
      ['a-speakers', 'clear', 'sent'],
    ]);
    expect(await evaluateZones(d, AREA)).toEqual([]);
    expect(fake.messages.map((m) => `${m.kind}:${m.message.action}`)).toEqual([
      'led:show',
      'broadcast:show',
      'led:clear',
      'broadcast:clear',
    ]);
    expect(fake.showing.get('led/a-east-led')).toBeUndefined();
    expect(fake.messages[2]!.message.text.en).toBe('Zone A is no longer crowded');

    // the record: what was said, to whom, when, and that it was taken
    const record = await zoneMessages(api.platform.db, AREA);
    expect(record.map((r) => [r.zone_id, r.action, r.kind, r.status, r.in_zone]).reverse()).toEqual([
      ['a', 'show', 'led', 'sent', 4],
      ['a', 'show', 'broadcast', 'sent', 4],
      ['a', 'clear', 'led', 'sent', 0],
      ['a', 'clear', 'broadcast', 'sent', 0],
    ]);
  }, 60_000);
});
