import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.js';
import { evaluateZones, retryZoneMessages, type ZoneDeps } from '../../core/zones/evaluate.js';
import { SIGNAGE_MAX_ATTEMPTS } from '../../core/zones/rules.js';
import { httpSignage } from '../../core/zones/signage.js';
import { zoneMessages } from '../../core/zones/store.js';
import { startLedBroadcastFake, type LedBroadcastFake } from '../../fakes/led-broadcast.js';
import { useApi } from '../support/platform.js';
import { gateOf, paidTickets, scanIn, seedScreenArea } from '../screen/support.js';
import { declareZones, scanOut } from './support.js';

/**
 * 21: a screen that is down when a diversion is decided gets it once it is back: the
 * failed delivery is recorded (attempts, error, next attempt) and retried with backoff
 * on the injected clock; a screen that stays down is given up after SIGNAGE_MAX_ATTEMPTS.
 */
const AREA = 'zon-retry';

describe('21 signage delivery retries', () => {
  const api = useApi({ app: { rateLimits: false } });
  const clock = new ManualClock(new Date());
  let fake: LedBroadcastFake;
  let d: ZoneDeps;
  let east: string;
  let tickets: string[];

  beforeAll(async () => {
    fake = await startLedBroadcastFake({ nowMs: () => clock.now().getTime() });
    const date = await seedScreenArea(api, AREA, 100);
    await api.platform.keys();
    await declareZones(api, AREA, {
      zones: [
        { id: 'a', name: { zh: '区域A', en: 'Zone A' }, capacity: 5, entrances: ['east-gate'] },
        { id: 'b', name: { zh: '区域B', en: 'Zone B' }, capacity: 10, entrances: ['north-gate'] },
      ],
      diversion: {
        pairs: [{ from: 'a', to: 'b' }],
        signage: [{ name: 'a-led', kind: 'led', url: fake.endpoint('led', 'a-led') }],
        minHoldSeconds: 60,
      },
    });
    d = {
      db: api.platform.db,
      clock,
      log: api.platform.log,
      signage: httpSignage({ nowMs: () => clock.now().getTime() }),
    };
    east = await gateOf(api, AREA, 'zon-retry-east', 'east-gate');
    tickets = await paidTickets(api, AREA, date, 4);
  }, 60_000);
  afterAll(async () => fake?.close());

  const record = async () => (await zoneMessages(api.platform.db, AREA)).reverse();

  it('records a failed delivery and sends it after the backoff once the screen is back', async () => {
    fake.down = true;
    for (const t of tickets) await scanIn(api, east, t);
    const [shown] = await evaluateZones(d, AREA);
    expect(shown).toMatchObject({ action: 'show', status: 'failed', attempts: 1 });
    const [row] = await record();
    expect(row).toMatchObject({ status: 'failed', attempts: 1 });
    expect(row!.last_error).toContain('503');
    expect(row!.next_attempt_at!.getTime() - clock.now().getTime()).toBe(5_000);
    // not before its time
    expect(await retryZoneMessages(d, AREA)).toEqual([]);
    // still down at the second try: the wait doubles
    clock.advance(5_000);
    expect((await retryZoneMessages(d, AREA)).map((m) => m.status)).toEqual(['failed']);
    const [again] = await record();
    expect(again).toMatchObject({ status: 'failed', attempts: 2 });
    expect(again!.next_attempt_at!.getTime() - clock.now().getTime()).toBe(10_000);
    // back up: the third try is taken, once
    fake.down = false;
    clock.advance(10_000);
    expect((await retryZoneMessages(d, AREA)).map((m) => m.status)).toEqual(['sent']);
    expect(await retryZoneMessages(d, AREA)).toEqual([]);
    expect(fake.messages.map((m) => m.message.action)).toEqual(['show']);
    expect(await record()).toMatchObject([{ status: 'sent', attempts: 3, next_attempt_at: null }]);
  });

  it('gives a screen that stays down up after the last attempt', async () => {
    fake.down = true;
    await scanOut(api, east, tickets, { n: 0 });
    clock.advance(60_000);
    const [cleared] = await evaluateZones(d, AREA);
    expect(cleared).toMatchObject({ action: 'clear', status: 'failed' });
    for (let i = 1; i < SIGNAGE_MAX_ATTEMPTS; i++) {
      clock.advance(300_000);
      expect(await retryZoneMessages(d, AREA)).toHaveLength(1);
    }
    const last = (await record()).at(-1)!;
    expect(last).toMatchObject({
      action: 'clear',
      status: 'failed',
      attempts: SIGNAGE_MAX_ATTEMPTS,
      next_attempt_at: null,
    });
    clock.advance(300_000);
    expect(await retryZoneMessages(d, AREA)).toEqual([]);
    expect(fake.refused.length).toBeGreaterThanOrEqual(SIGNAGE_MAX_ATTEMPTS);
  });
});
