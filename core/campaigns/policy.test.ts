import { describe, expect, it } from 'vitest';
import { quietUntil, sendDecision, type SendFacts } from './policy.js';

const TZ = 'Asia/Shanghai';
const base: SendFacts = {
  erased: false,
  consent: true,
  sentInPeriod: 0,
  perMember: { count: 1, days: 7 },
  quietHours: { from: '21:00', to: '09:00' },
  timezone: TZ,
  // 12:00 in Shanghai
  now: new Date('2026-12-03T04:00:00Z'),
};

describe('campaign send policy', () => {
  it.each([
    ['sends by day to a consenting member under the limit', {}, 'send'],
    ['skips an erased member first', { erased: true, consent: false }, 'erased'],
    ['skips a member without consent', { consent: false }, 'no_consent'],
    ['skips a member at the send limit', { sentInPeriod: 1 }, 'send_limit'],
    ['defers in quiet hours', { now: new Date('2026-12-03T14:00:00Z') }, 'quiet_hours'],
    [
      'no consent wins over quiet hours',
      { consent: false, now: new Date('2026-12-03T14:00:00Z') },
      'no_consent',
    ],
  ] as const)('%s', (_name, over: Partial<SendFacts>, want) => {
    const d = sendDecision({ ...base, ...over });
    expect(d.action === 'send' ? 'send' : d.reason).toBe(want);
  });

  it.each([
    ['22:00 → 09:00 next day', '2026-12-03T14:00:00Z', '2026-12-04T01:00:00.000Z'],
    ['03:00 → 09:00 the same day', '2026-12-03T19:00:00Z', '2026-12-04T01:00:00.000Z'],
    ['21:00 sharp is quiet', '2026-12-03T13:00:00Z', '2026-12-04T01:00:00.000Z'],
    ['09:00 sharp is not', '2026-12-04T01:00:00Z', undefined],
    ['noon is not', '2026-12-03T04:00:00Z', undefined],
  ])('quiet hours 21:00–09:00: %s', (_n, at, until) => {
    expect(quietUntil({ from: '21:00', to: '09:00' }, TZ, new Date(at))?.toISOString()).toBe(until);
  });

  it('a span within one day (12:00–14:00)', () => {
    expect(
      quietUntil({ from: '12:00', to: '14:00' }, TZ, new Date('2026-12-03T05:00:00Z'))?.toISOString(),
    ).toBe('2026-12-03T06:00:00.000Z');
    expect(quietUntil({ from: '12:00', to: '14:00' }, TZ, new Date('2026-12-03T07:00:00Z'))).toBeUndefined();
  });
});
