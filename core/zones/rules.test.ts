import { describe, expect, it } from 'vitest';
import {
  SIGNAGE_MAX_ATTEMPTS,
  decide,
  flapControl,
  nextAttemptAt,
  targetOf,
  wordsOf,
  zoneLevel,
} from './rules.js';
import { DiversionDeclaration, type DiversionState, type ZoneReading } from './model.js';

const T = { yellow: 70, orange: 85, red: 100 };
const flap = flapControl(DiversionDeclaration.parse({ minHoldSeconds: 60 }), T);
const t0 = new Date('2026-05-01T02:00:00Z');
const at = (s: number) => new Date(t0.getTime() + s * 1000);
const zone = (inZone: number) => ({ inZone, capacity: 20 });

/** Runs the counts through `decide` one per `stepS` seconds; returns the changes made. */
function run(counts: number[], stepS: number): string[] {
  let state: DiversionState = { diverting: false, targetZoneId: null, since: null };
  const out: string[] = [];
  counts.forEach((n, i) => {
    const d = decide(state, zone(n), 'b', flap, at(i * stepS));
    if (d.change !== 'none') {
      out.push(`${i}:${d.change}`);
      state = d.next;
    }
  });
  return out;
}

describe('zone levels', () => {
  it.each([
    [0, 'green'],
    [13, 'green'],
    [14, 'yellow'],
    [17, 'orange'],
    [20, 'red'],
  ] as const)('%i of 20 is %s (the area level arithmetic)', (n, level) => {
    expect(zoneLevel(n, 20, T)).toBe(level);
  });
});

describe('flap control', () => {
  it('starts at the diversion level and ends only under the hysteresis band', () => {
    expect(flap).toEqual({ enterPct: 85, exitPct: 75, minHoldMs: 60_000 });
    // 17 of 20 is 85 %: starts; 16 and 15 (80, 75 %) keep it; 14 (70 %) ends it
    expect(run([16, 17, 16, 15, 15, 14], 120)).toEqual(['1:show', '5:clear']);
  });

  it('a crowd hovering around the threshold gets one message per hold time, not one per crossing', () => {
    const hover = Array.from({ length: 60 }, (_, i) => (i % 2 ? 17 : 13));
    // a reading every 5 s for 5 minutes, crossing both ways every time: with a 60 s hold
    // and the band, changes are at least 12 readings apart
    const changes = run(hover, 5);
    expect(changes.length).toBeLessThanOrEqual(5);
    const steps = changes.map((c) => Number(c.split(':')[0]));
    for (let i = 1; i < steps.length; i++) expect(steps[i]! - steps[i - 1]!).toBeGreaterThanOrEqual(12);
    // without the hold time it would have flapped on every reading
    const noHold = { ...flap, minHoldMs: 0 };
    let s: DiversionState = { diverting: false, targetZoneId: null, since: null };
    let n = 0;
    hover.forEach((c, i) => {
      const d = decide(s, zone(c), 'b', noHold, at(i * 5));
      if (d.change !== 'none') [s, n] = [d.next, n + 1];
    });
    expect(n).toBeGreaterThan(50);
  });

  it('holds a fresh diversion even when the zone empties at once', () => {
    const s: DiversionState = { diverting: true, targetZoneId: 'b', since: at(0) };
    expect(decide(s, zone(0), 'b', flap, at(59)).change).toBe('none');
    expect(decide(s, zone(0), 'b', flap, at(60)).change).toBe('clear');
  });

  it('does not divert when no calm zone is left, and keeps the last suggestion', () => {
    const idle: DiversionState = { diverting: false, targetZoneId: null, since: null };
    expect(decide(idle, zone(20), null, flap, at(0)).change).toBe('none');
    const on: DiversionState = { diverting: true, targetZoneId: 'b', since: at(0) };
    expect(decide(on, zone(20), null, flap, at(600)).change).toBe('none');
    expect(decide(on, zone(20), 'c', flap, at(600))).toMatchObject({ change: 'show', to: 'c' });
  });
});

describe('targets and words', () => {
  const r = (zoneId: string, inZone: number): ZoneReading => ({
    zoneId,
    name: { zh: `区域${zoneId.toUpperCase()}`, en: `Zone ${zoneId.toUpperCase()}` },
    inZone,
    capacity: 20,
    level: zoneLevel(inZone, 20, T),
  });
  const pairs = DiversionDeclaration.parse({
    pairs: [
      { from: 'a', to: 'b' },
      { from: 'a', to: 'c' },
    ],
  }).pairs;

  it('suggests the first calm zone of the pairs, in declared order', () => {
    const m = (b: number) => new Map([r('a', 20), r('b', b), r('c', 0)].map((x) => [x.zoneId, x]));
    expect(targetOf('a', pairs, m(0), flap)).toBe('b');
    expect(targetOf('a', pairs, m(17), flap)).toBe('c');
    expect(targetOf('b', pairs, m(0), flap)).toBeNull();
  });

  it('fills the default words in both languages, or the pair’s own', () => {
    expect(wordsOf('show', r('a', 0), r('b', 0), undefined)).toEqual({
      zh: '区域A 游客较多，建议先游览区域B',
      en: 'Zone A is crowded, visit Zone B first',
    });
    expect(wordsOf('show', r('a', 0), r('b', 0), { zh: '去{to}', en: 'go to {to}' }).en).toBe('go to Zone B');
    expect(wordsOf('clear', r('a', 0), undefined, undefined).en).toBe('Zone A is no longer crowded');
  });
});

describe('signage retries', () => {
  const now = new Date('2026-05-01T08:00:00Z');
  const after = (attempts: number) => {
    const at = nextAttemptAt(attempts, now);
    return at === null ? null : (at.getTime() - now.getTime()) / 1000;
  };
  it.each([
    [1, 5],
    [2, 10],
    [3, 20],
    [6, 160],
    [7, 300],
  ])('after %i failed attempts the next is %i s later', (n, s) => expect(after(n)).toBe(s));
  it('gives up after the last attempt', () => expect(after(SIGNAGE_MAX_ATTEMPTS)).toBeNull());
});
