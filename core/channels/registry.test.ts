import { describe, expect, it } from 'vitest';
import { channelStates, levelEffect } from './registry.js';
import type { AreaConfig, Channel } from '../catalog/catalog.js';
import type { DaySnapshot } from '../inventory/inventory.js';

const area = {
  id: 'a',
  timezone: 'Asia/Shanghai',
  quotas: new Map([['ota:x', 10]]),
} as unknown as AreaConfig;
const ch = (id: string, kind: Channel['kind'], over: Partial<Channel> = {}): Channel => ({
  id,
  name: id,
  kind,
  enabled: true,
  commissionBps: 0,
  discountBps: 0,
  sellsFrom: null,
  sellsUntil: null,
  ...over,
});
const snap = (level: DaySnapshot['level'], used = 0): DaySnapshot => ({
  initialised: true,
  capacity: 100,
  used: 0,
  level,
  limits: { yellow: 70, orange: 85, red: 100 },
  slots: {},
  channels: { 'ota:x': { quota: 10, used } },
});
const noon = new Date('2026-05-01T04:00:00Z'); // 12:00 in Shanghai

describe('channelStates', () => {
  it.each([
    ['an online channel at green sells', ch('web', 'online'), snap('green'), [], []],
    ['online stops at orange', ch('web', 'online'), snap('orange'), [], ['level_orange']],
    ['on-site sells the reserve at orange', ch('box-office', 'onsite'), snap('orange'), [], []],
    ['everything stops at red', ch('box-office', 'onsite'), snap('red'), [], ['level_red']],
    ['a disabled channel', ch('web', 'online', { enabled: false }), snap('green'), [], ['disabled']],
    ['a paused channel', ch('web', 'online'), snap('green'), ['web'], ['paused']],
    ['before its hours', ch('kiosk', 'onsite', { sellsFrom: '13:00' }), snap('green'), [], ['outside_hours']],
    ['after its hours', ch('kiosk', 'onsite', { sellsUntil: '12:00' }), snap('green'), [], ['outside_hours']],
    ['a used-up quota', ch('ota:x', 'online'), snap('green', 10), [], ['quota_reached']],
  ] as const)('%s', (_n, c, s, paused, want) => {
    const [st] = channelStates(area, s, [c], new Set(paused), noon);
    expect(st!.blockedBy).toEqual(want);
    expect(st!.selling).toBe(want.length === 0);
  });
});

describe('levelEffect', () => {
  const chans = [
    ch('web', 'online'),
    ch('ota:x', 'online'),
    ch('box-office', 'onsite'),
    ch('off', 'online', { enabled: false }),
  ];
  it.each([
    ['green → yellow changes nothing', 'green', 'yellow', [], []],
    ['yellow → orange closes online channels', 'yellow', 'orange', ['ota:x', 'web'], []],
    ['orange → red closes on-site too', 'orange', 'red', ['box-office'], []],
    ['green → red closes everything', 'green', 'red', ['box-office', 'ota:x', 'web'], []],
    ['red → yellow reopens everything', 'red', 'yellow', [], ['box-office', 'ota:x', 'web']],
  ] as const)('%s', (_n, prev, level, closed, reopened) => {
    expect(levelEffect(chans, prev, level)).toEqual({ closed, reopened });
  });
});
