import { describe, expect, it } from 'vitest';
import {
  addDays,
  hhmmToMinutes,
  localDate,
  localDateTime,
  localParts,
  localTime,
  msUntilNextLocalDay,
  offsetMs,
  zonedDayRange,
  zonedInstant,
} from './time.js';

const SH = 'Asia/Shanghai'; // UTC+8 all year
const NY = 'America/New_York'; // DST: 2026-03-08 02:00 → 03:00, 2026-11-01 02:00 → 01:00
const HAVANA = 'America/Havana'; // DST at midnight: 2026-03-08 00:00 → 01:00 (the day has no 00:00)
const at = (iso: string) => new Date(iso);

describe('one time-zone module', () => {
  it.each([
    [SH, '2026-05-01T01:05:00Z', { date: '2026-05-01', time: '09:05' }],
    [SH, '2026-04-30T16:00:00Z', { date: '2026-05-01', time: '00:00' }],
    [SH, '2026-04-30T15:59:00Z', { date: '2026-04-30', time: '23:59' }],
    [NY, '2026-07-01T13:00:00Z', { date: '2026-07-01', time: '09:00' }],
    [NY, '2026-01-15T14:00:00Z', { date: '2026-01-15', time: '09:00' }],
    [NY, '2026-03-08T07:00:00Z', { date: '2026-03-08', time: '03:00' }],
  ])('localParts in %s at %s', (tz, iso, want) => {
    expect(localParts(at(iso), tz)).toEqual(want);
    expect(localDate(at(iso), tz)).toBe(want.date);
    expect(localTime(at(iso), tz)).toEqual({ date: want.date, minute: hhmmToMinutes(want.time) });
  });

  it('keeps the last answer per zone a copy (the caller may change it)', () => {
    const a = localTime(at('2026-05-01T01:05:10Z'), SH);
    a.minute = 0;
    expect(localTime(at('2026-05-01T01:05:50Z'), SH)).toEqual({ date: '2026-05-01', minute: 545 });
  });

  it.each([
    [SH, '2026-05-01T00:00:00Z', 8 * 3600_000],
    [NY, '2026-07-01T12:00:00Z', -4 * 3600_000],
    [NY, '2026-01-15T12:00:00Z', -5 * 3600_000],
  ])('offsetMs of %s at %s', (tz, iso, want) => {
    expect(offsetMs(tz, Date.parse(iso))).toBe(want);
  });

  it.each([
    ['2026-05-01', '09:00', SH, '2026-05-01T01:00:00.000Z', '2026-05-01T09:00:00+08:00'],
    ['2026-07-01', '09:00', NY, '2026-07-01T13:00:00.000Z', '2026-07-01T09:00:00-04:00'],
    ['2026-01-15', '09:00', NY, '2026-01-15T14:00:00.000Z', '2026-01-15T09:00:00-05:00'],
    ['2026-03-08', '12:00', NY, '2026-03-08T16:00:00.000Z', '2026-03-08T12:00:00-04:00'],
    ['2026-11-01', '12:00', NY, '2026-11-01T17:00:00.000Z', '2026-11-01T12:00:00-05:00'],
  ])('zonedInstant / localDateTime of %s %s in %s', (date, hhmm, tz, utc, local) => {
    expect(zonedInstant(date, hhmm, tz).toISOString()).toBe(utc);
    expect(localDateTime(date, hhmm, tz)).toBe(local);
  });

  it.each([
    ['2026-05-01', SH, '2026-04-30T16:00:00.000Z', '2026-05-01T16:00:00.000Z', 24],
    ['2026-03-08', NY, '2026-03-08T05:00:00.000Z', '2026-03-09T04:00:00.000Z', 23],
    ['2026-11-01', NY, '2026-11-01T04:00:00.000Z', '2026-11-02T05:00:00.000Z', 25],
  ])('zonedDayRange of %s in %s', (date, tz, from, to, hours) => {
    const r = zonedDayRange(date, tz);
    expect([r.from.toISOString(), r.to.toISOString()]).toEqual([from, to]);
    expect((r.to.getTime() - r.from.getTime()) / 3600_000).toBe(hours);
  });

  it.each([
    ['23:30 in Shanghai', SH, '2026-04-30T15:30:00Z', 30 * 60_000],
    ['noon in Shanghai', SH, '2026-05-01T04:00:00Z', 12 * 3600_000],
    ['the evening before New York springs forward', NY, '2026-03-08T04:00:00Z', 3600_000],
    ['noon of the 23-hour day', NY, '2026-03-08T16:00:00Z', 12 * 3600_000],
    ['noon of the 25-hour day', NY, '2026-11-01T17:00:00Z', 12 * 3600_000],
    [
      'Havana before a day without midnight (it starts at 01:00)',
      HAVANA,
      '2026-03-08T04:30:00Z',
      30 * 60_000,
    ],
    ['a second before midnight', SH, '2026-04-30T15:59:59.500Z', 1_000],
  ])('msUntilNextLocalDay: %s', (_what, tz, iso, want) => {
    const ms = msUntilNextLocalDay(at(iso), tz);
    expect(ms).toBe(want);
    if (want > 1_000) {
      expect(localDate(new Date(Date.parse(iso) + ms), tz)).not.toBe(localDate(at(iso), tz));
      expect(localDate(new Date(Date.parse(iso) + ms - 1), tz)).toBe(localDate(at(iso), tz));
    }
  });

  it.each([
    ['2026-05-01', 1, '2026-05-02'],
    ['2026-05-31', 1, '2026-06-01'],
    ['2026-12-31', 1, '2027-01-01'],
    ['2028-02-28', 1, '2028-02-29'],
    ['2026-03-01', -1, '2026-02-28'],
    ['2026-03-08', 1, '2026-03-09'], // a DST day is still one calendar day
    ['2026-05-01', 90, '2026-07-30'],
  ])('addDays(%s, %i)', (date, n, want) => {
    expect(addDays(date, n)).toBe(want);
  });

  it('parses HH:MM and refuses anything else', () => {
    expect(hhmmToMinutes('00:00')).toBe(0);
    expect(hhmmToMinutes('23:59')).toBe(1439);
    expect(() => hhmmToMinutes('9h')).toThrow();
  });

  it('refuses an unknown zone with RangeError (zones are validated with it)', () => {
    expect(() => localDate(new Date(0), 'Mars/Olympus')).toThrow(RangeError);
  });
});
