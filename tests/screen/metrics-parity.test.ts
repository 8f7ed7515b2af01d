import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createMetricsRegistry } from '../../core/telemetry/sdk.js';
import { LEVELS } from '../../core/inventory/events.js';
import { newScreenToken } from '../../core/screen/access.js';
import type { ScreenSnapshot } from '../../core/screen/model.js';
import { observeWorkers } from '../../workers/observability.js';
import { useApi } from '../support/platform.js';
import { gateOf, paidTickets, scanIn, seedScreenArea } from './support.js';

/**
 * The crowd screen and Grafana show the same numbers on the same data: after real sales
 * and gate check-ins, the screen's snapshot is compared with the samples of the metrics
 * the crowd dashboard's panels query (dashboards/crowd-screen.json), as the worker role
 * exposes them on its /metrics (the data-plane collector is the worker's).
 */
const { token, sha256 } = newScreenToken();
process.env.SCENIC_SCREEN_TOKEN_SHA256 = sha256;

type Series = { name: string; labels: Record<string, string>; value: number }[];
function parse(text: string): Series {
  const out: Series = [];
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries(
      [...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1]!, x[2]!]),
    );
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}
const pick = (s: Series, name: string, where: Record<string, string>) =>
  s.filter((x) => x.name === name && Object.entries(where).every(([k, v]) => x.labels[k] === v));

describe('screen and Prometheus metrics agree', () => {
  const api = useApi({ app: { rateLimits: false } });
  const reg = createMetricsRegistry({ roles: ['worker'] });
  let stop: () => Promise<void>;
  let date: string;

  beforeAll(async () => {
    date = await seedScreenArea(api, 'scr-m', 8);
    await api.platform.keys();
    const web = await paidTickets(api, 'scr-m', date, 5);
    await paidTickets(api, 'scr-m', date, 2, 'late');
    const east = await gateOf(api, 'scr-m', 'scr-m-east', 'east-gate');
    const north = await gateOf(api, 'scr-m', 'scr-m-north', 'north-gate');
    for (const [i, t] of web.entries()) await scanIn(api, i % 2 ? north : east, t);
    stop = observeWorkers(api.platform, reg.metrics);
  }, 60_000);
  afterAll(async () => {
    await stop?.();
    await reg.shutdown();
  });

  it('the dashboard still queries the metrics compared here', () => {
    const exprs = readFileSync(new URL('../../dashboards/crowd-screen.json', import.meta.url), 'utf8');
    for (const m of [
      'scenic_in_park',
      'scenic_instant_capacity',
      'scenic_capacity_level',
      'scenic_capacity_used',
      'scenic_slot_used',
      'scenic_slot_capacity',
      'scenic_tickets',
      'scenic_entrance_passages_total',
    ])
      expect(exprs).toContain(m);
  });

  it('shows the same in-park, levels, slots, sales by channel and entries per entrance', async () => {
    const r = await api.call('GET', '/screen/v1/areas/scr-m', { key: token });
    expect(r.status).toBe(200);
    const s = r.body as unknown as ScreenSnapshot;
    const m = parse(await reg.render());
    const one = (name: string, where: Record<string, string>) => {
      const got = pick(m, name, where);
      expect(got, `${name} ${JSON.stringify(where)}`).toHaveLength(1);
      return got[0]!.value;
    };
    const area = { area: 'scr-m' };
    const day = { ...area, day: date };
    // the numbers are not trivially zero
    expect([s.inPark, s.day.used, s.entriesToday]).toEqual([5, 7, 5]);

    expect(one('scenic_in_park', area)).toBe(s.inPark);
    expect(one('scenic_instant_capacity', area)).toBe(s.instantCapacity);
    expect(Math.round((100 * s.inPark) / s.instantCapacity)).toBe(s.occupancyPct);
    expect(one('scenic_capacity_level', day)).toBe(LEVELS.indexOf(s.day.level));
    expect(one('scenic_capacity_used', day)).toBe(s.day.used);
    expect(one('scenic_capacity_limit', day)).toBe(s.day.capacity);
    for (const slot of s.day.slots) {
      expect(one('scenic_slot_used', { ...day, slot: slot.slotId })).toBe(slot.used);
      expect(one('scenic_slot_capacity', { ...day, slot: slot.slotId })).toBe(slot.capacity);
    }
    // sum by (channel) (scenic_tickets{state=~"sold|used"})
    const byChannel = new Map<string, number>();
    for (const x of pick(m, 'scenic_tickets', day))
      if (x.labels.state === 'sold' || x.labels.state === 'used')
        byChannel.set(x.labels.channel!, (byChannel.get(x.labels.channel!) ?? 0) + x.value);
    expect(Object.fromEntries(byChannel)).toEqual(
      Object.fromEntries(s.sales.map((c) => [c.channelId, c.tickets])),
    );
    // sum by (entrance) (scenic_entrance_passages_total{direction="in"|"out"})
    for (const e of s.entrances) {
      expect(
        one('scenic_entrance_passages_total', { ...area, entrance: e.entranceId, direction: 'in' }),
      ).toBe(e.entriesToday);
      expect(
        one('scenic_entrance_passages_total', { ...area, entrance: e.entranceId, direction: 'out' }),
      ).toBe(e.exitsToday);
    }
    expect(s.entrances.map((e) => e.entranceId)).toEqual(['east-gate', 'north-gate']);
  });
});
