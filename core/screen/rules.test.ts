import { describe, expect, it } from 'vitest';
import { limitsOf } from '../inventory/inventory.js';
import { flowSeries, levelOf, percentOf } from './rules.js';

const T = { yellow: 70, orange: 85, red: 100 };

describe('screen rules', () => {
  it.each([
    [0, 1000, 'green'],
    [699, 1000, 'green'],
    [700, 1000, 'yellow'],
    [849, 1000, 'yellow'],
    [850, 1000, 'orange'],
    [999, 1000, 'orange'],
    [1000, 1000, 'red'],
    [1200, 1000, 'red'],
    [5, 0, 'green'],
  ] as const)('%i of %i is %s', (used, cap, level) => {
    expect(levelOf(used, cap, T)).toBe(level);
  });

  it('reaches each level at the inventory limit of odd capacities (level.lua levelFor)', () => {
    for (const capacity of [1, 7, 33, 101, 997]) {
      const l = limitsOf({ capacity, thresholds: T } as Parameters<typeof limitsOf>[0]);
      const lua = (u: number) =>
        u >= l.red ? 'red' : u >= l.orange ? 'orange' : u >= l.yellow ? 'yellow' : 'green';
      for (let used = 0; used <= capacity + 1; used++) expect(levelOf(used, capacity, T)).toBe(lua(used));
    }
  });

  it.each([
    [0, 100, 0],
    [1, 3, 33],
    [2, 3, 67],
    [150, 100, 150],
    [3, 0, 0],
  ])('percentOf(%i, %i) = %i', (u, c, p) => expect(percentOf(u, c)).toBe(p));

  it('fills every minute of the window, oldest first, per entrance', () => {
    const now = new Date('2026-12-02T01:30:42Z');
    const s = flowSeries(
      [
        { entranceId: 'west', minute: '2026-12-02T01:30:00.000Z', entries: 2, exits: 1 },
        { entranceId: 'east', minute: '2026-12-02T01:28:00.000Z', entries: 5, exits: 0 },
        { entranceId: 'east', minute: '2026-12-02T00:10:00.000Z', entries: 9, exits: 0 }, // outside
      ],
      new Map([
        ['east', { entries: 14, exits: 0 }],
        ['north', { entries: 3, exits: 3 }],
      ]),
      now,
      3,
    );
    expect(s.map((e) => e.entranceId)).toEqual(['east', 'north', 'west']);
    expect(s[0]!.minutes).toEqual([
      { minute: '2026-12-02T01:28:00.000Z', entries: 5, exits: 0 },
      { minute: '2026-12-02T01:29:00.000Z', entries: 0, exits: 0 },
      { minute: '2026-12-02T01:30:00.000Z', entries: 0, exits: 0 },
    ]);
    expect(s[0]!.entriesToday).toBe(14);
    expect(s[1]!.minutes.every((m) => m.entries === 0)).toBe(true);
    expect(s[2]).toMatchObject({ entriesToday: 0, exitsToday: 0 });
    expect(s[2]!.minutes[2]).toEqual({ minute: '2026-12-02T01:30:00.000Z', entries: 2, exits: 1 });
  });
});
