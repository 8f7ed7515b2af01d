import { describe, expect, it } from 'vitest';
import { resolveArea } from '../api/defaults.js';
import { minimalArea } from '../api/fixtures.js';
import type { LevelStatus } from '../api/types.js';
import { mergeLevel } from '../capacity/levels.js';
import { channelStates, desiredSwitches } from './channels.js';

const area = resolveArea({
  ...minimalArea,
  metadata: { name: 'a', namespace: 'ns' },
  spec: {
    ...minimalArea.spec,
    channels: [
      { name: 'web', kind: 'online' },
      { name: 'ota', kind: 'partner', closeAt: 'yellow' },
      { name: 'desk', kind: 'onsite' },
      { name: 'presale', kind: 'online', windowed: true },
      { name: 'kiosk', kind: 'onsite', paused: true, pauseReason: 'broken' },
    ],
  },
});
const day = '2030-01-01';
const lv = (level: LevelStatus['level'], date = day): LevelStatus => ({ date, level });
const state = (levels: LevelStatus[], open: string[] = []) =>
  Object.fromEntries(
    channelStates(area, levels, new Set(open), day).map((c) => [c.name, `${c.state}/${c.reason}`]),
  );

describe('channelStates', () => {
  it.each([
    [
      'green',
      [],
      {
        web: 'Open/Selling',
        ota: 'Open/Selling',
        desk: 'Open/Selling',
        presale: 'Closed/OutsideSalesWindow',
        kiosk: 'Paused/ManualPause',
      },
    ],
    [
      'yellow closes a channel set to close at yellow',
      [lv('yellow')],
      { web: 'Open/Selling', ota: 'Closed/CapacityReached', desk: 'Open/Selling' },
    ],
    [
      'orange closes online and partner, not onsite',
      [lv('orange')],
      { web: 'Closed/CapacityReached', ota: 'Closed/CapacityReached', desk: 'Open/Selling' },
    ],
    ['red closes everything', [lv('red')], { web: 'Closed/CapacityReached', desk: 'Closed/CapacityReached' }],
    [
      'another day at red does not close today',
      [lv('red', '2030-01-02')],
      { web: 'Open/Selling', desk: 'Open/Selling' },
    ],
  ] as const)('%s', (_n, levels, expected) => expect(state([...levels])).toMatchObject(expected));

  it('opens a windowed channel while its window is open, and a manual pause still wins', () => {
    expect(state([], ['presale', 'kiosk'])).toMatchObject({
      presale: 'Open/InSalesWindow',
      kiosk: 'Paused/ManualPause',
    });
  });

  it('lists the closed dates', () => {
    const s = channelStates(area, [lv('orange', '2030-01-03'), lv('yellow', '2030-01-02')], new Set(), day);
    expect(s.find((c) => c.name === 'web')?.closedDates).toEqual(['2030-01-03']);
    expect(s.find((c) => c.name === 'ota')?.closedDates).toEqual(['2030-01-02', '2030-01-03']);
  });
});

describe('desiredSwitches', () => {
  it('pauses spec-paused channels and windowed channels outside their windows only', () => {
    expect(
      desiredSwitches(area, new Set())
        .filter((d) => d.paused)
        .map((d) => d.channel),
    ).toEqual(['presale', 'kiosk']);
    expect(
      desiredSwitches(area, new Set(['presale']))
        .filter((d) => d.paused)
        .map((d) => d.channel),
    ).toEqual(['kiosk']);
  });
});

describe('mergeLevel', () => {
  const ev = (level: LevelStatus['level'], at: number, date = day) => ({
    type: 'capacity-level' as const,
    areaId: 'a',
    date,
    level,
    previous: 'green' as const,
    used: at,
    capacity: 100,
    at,
  });
  it('records, replaces newer, ignores older, past days and repeats', () => {
    const one = mergeLevel([], ev('yellow', 1000), day)!;
    expect(one).toEqual([
      { date: day, level: 'yellow', used: 1000, capacity: 100, since: new Date(1000).toISOString() },
    ]);
    expect(mergeLevel(one, ev('orange', 500), day)).toBeUndefined();
    expect(mergeLevel(one, ev('yellow', 1000), day)).toBeUndefined();
    expect(mergeLevel(one, ev('red', 100, '2029-12-31'), day)).toBeUndefined();
    const two = mergeLevel(one, ev('red', 2000, '2030-01-05'), day)!;
    expect(two.map((l) => l.date)).toEqual([day, '2030-01-05']);
    expect(
      mergeLevel(two, ev('orange', 3000, '2030-01-05'), '2030-01-02')!.map((l) => `${l.date}:${l.level}`),
    ).toEqual(['2030-01-05:orange']);
  });
});
