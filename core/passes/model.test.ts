import { describe, expect, it } from 'vitest';
import { decideEntry, type CheckinInput } from '../checkin/rules.js';
import { PassTerms, countedPassEntries, lastDay, passDay, spentValue } from './model.js';

const terms = (t: unknown) => PassTerms.parse(t);

describe('annual pass rules (issue 18)', () => {
  it('a pass of 365 days bought on 2026-12-02 is valid through 2027-12-01', () => {
    expect(lastDay('2026-12-02', 365)).toBe('2027-12-01');
    expect(lastDay('2026-12-02', 1)).toBe('2026-12-02');
  });

  it.each([
    [
      'a blackout date blocks even with a booking',
      { blackoutDates: ['2026-12-05'] },
      '2026-12-05',
      true,
      'blackout_date',
    ],
    [
      'a declared busy date without a booking needs one',
      { busy: { dates: ['2026-12-05'], weekdays: [] } },
      '2026-12-05',
      false,
      'booking_required',
    ],
    [
      'a busy weekday (Saturday 2026-12-05) without a booking needs one',
      { busy: { dates: [], weekdays: [6] } },
      '2026-12-05',
      false,
      'booking_required',
    ],
    [
      'a busy day with its booking admits',
      { busy: { dates: ['2026-12-05'], weekdays: [] } },
      '2026-12-05',
      true,
      null,
    ],
    ['an ordinary day admits', {}, '2026-12-05', false, null],
  ] as const)('%s', (_name, t, date, booked, blocked) => {
    expect(passDay(terms(t), date, booked).blocked).toBe(blocked);
  });

  it('once a day counts the first entry of each local day; unlimited counts all', () => {
    const e = [
      { scan_id: 'a', local_date: '2026-12-02' },
      { scan_id: 'b', local_date: '2026-12-02' },
      { scan_id: 'c', local_date: '2026-12-03' },
    ];
    expect(countedPassEntries(e, 'once_a_day')).toEqual(['a', 'c']);
    expect(countedPassEntries(e, 'unlimited')).toEqual(['a', 'b', 'c']);
  });

  it('a used pass has spent its begun days pro rata, at least one', () => {
    // 100 days for 10,000 fen: on its first day one day is spent, on day 50 half
    expect(spentValue(10_000, '2026-01-01', '2026-04-10', '2026-01-01')).toBe(100);
    expect(spentValue(10_000, '2026-01-01', '2026-04-10', '2026-02-19')).toBe(5_000);
    expect(spentValue(10_000, '2026-01-01', '2026-04-10', '2027-01-01')).toBe(10_000);
  });

  const input = (pass: CheckinInput['ticket']['pass'], entriesUsed: number): CheckinInput => ({
    ticket: {
      ticketId: 't',
      areaId: 'a',
      productId: 'pass',
      date: null,
      validUntil: '2027-12-01',
      slotStartMin: 0,
      slotEndMin: 1440,
      entriesAllowed: 1,
      units: 1,
      pass,
    },
    state: { status: 'valid', entriesUsed },
    rules: {
      areaId: 'a',
      entranceId: 'e',
      timezone: 'Asia/Shanghai',
      instantCapacity: 0,
      graceBeforeMin: 0,
      graceAfterMin: 0,
      products: {},
    },
    now: new Date('2026-12-02T02:00:00Z'),
    inPark: 0,
  });

  it.each([
    ['once a day, first entry of the day', 'once_a_day', null, 0, 'ok'],
    ['once a day, second entry of the day', 'once_a_day', null, 1, 'already_redeemed'],
    ['unlimited, tenth entry of the day', 'unlimited', null, 9, 'ok'],
    ['blackout', 'unlimited', 'blackout_date', 0, 'blackout_date'],
    ['busy day without a booking', 'once_a_day', 'booking_required', 0, 'booking_required'],
  ] as const)('the gate rules: %s → %s', (_n, entryRule, blocked, used, reason) => {
    expect(decideEntry(input({ entryRule, priorityLane: false, blocked }, used)).reason).toBe(reason);
  });

  it('a pass past its last day (renewals included) is expired', () => {
    const i = input({ entryRule: 'unlimited', priorityLane: true, blocked: null }, 0);
    i.ticket.validUntil = '2026-12-01';
    expect(decideEntry(i).reason).toBe('expired');
  });
});
