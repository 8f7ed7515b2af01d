import { describe, expect, it } from 'vitest';
import { levelFor, rulesReached, shareOf } from './rules.js';
import { MemberSettingsInput } from './settings.js';

const s = MemberSettingsInput.parse({
  levels: [
    { id: 'silver', name: 'Silver', minPoints: 100, minVisits: 3 },
    { id: 'gold', name: 'Gold', minPoints: 1000, minVisits: 10 },
  ],
  rules: [
    { id: 'join', trigger: 'visits', count: 2, action: { kind: 'member' } },
    { id: 'third', trigger: 'entries', count: 3, action: { kind: 'points', points: 50 } },
  ],
});

describe('member rules and levels (issue 22)', () => {
  it.each([
    [{ points: 0, visits: 0 }, null],
    [{ points: 100, visits: 0 }, 'silver'],
    [{ points: 0, visits: 3 }, 'silver'],
    [{ points: 999, visits: 10 }, 'gold'],
    [{ points: 1000, visits: 0 }, 'gold'],
  ])('window %j reaches level %s', (w, level) => {
    expect(levelFor(s.levels, w)).toBe(level);
  });

  it.each([
    [{ visits: 1, entries: 2, paid_orders: 0 }, []],
    [{ visits: 2, entries: 2, paid_orders: 0 }, ['join']],
    [{ visits: 2, entries: 3, paid_orders: 0 }, ['join', 'third']],
  ])('counts %j reach rules %j', (c, ids) => {
    expect(rulesReached(s.rules, (r) => c[r.trigger]).map((r) => r.id)).toEqual(ids);
  });

  it.each([
    [100, 50, 100, 50],
    [100, 1, 3, 33],
    [7, 200, 100, 7],
    [7, 5, 0, 0],
  ])('share of %i for %i of %i is %i', (whole, part, of, want) => {
    expect(shareOf(whole, part, of)).toBe(want);
  });
});
