import { describe, expect, it } from 'vitest';
import {
  decideEntry,
  tokenFailureReason,
  type CheckinInput,
  type EntranceRules,
  type TicketFacts,
} from './rules.js';
import { DISPLAY, REASONS } from './reasons.js';
import { hhmmToMinutes, localTime } from '../time.js';
import { manifestIdHash, normaliseCardUid } from './id-hash.js';

const rules: EntranceRules = {
  areaId: 'west-lake',
  entranceId: 'east',
  timezone: 'Asia/Shanghai',
  instantCapacity: 100,
  graceBeforeMin: 30,
  graceAfterMin: 60,
  products: {
    adult: { entrances: null, releaseOnExit: false, reentry: false },
    pass: { entrances: null, releaseOnExit: false, reentry: true },
    boat: { entrances: ['pier'], releaseOnExit: true, reentry: false },
  },
};
const ticket: TicketFacts = {
  ticketId: '0191f3a2-7c4e-7d10-9a6b-3c2d1e0f4a5b',
  areaId: 'west-lake',
  productId: 'adult',
  date: '2026-07-15',
  slotStartMin: 9 * 60,
  slotEndMin: 10 * 60,
  entriesAllowed: 1,
  units: 1,
};
// 09:30 in Shanghai is 01:30 UTC.
const at = (hhmm: string, date = '2026-07-15') => new Date(`${date}T${hhmm}:00+08:00`);
const base: CheckinInput = {
  ticket,
  state: { status: 'valid', entriesUsed: 0 },
  rules,
  now: at('09:30'),
  inPark: 10,
};

describe('re-entry products', () => {
  const pass = { ...ticket, productId: 'pass' };
  const decide = (entriesUsed: number, exitsUsed: number, t = pass) =>
    decideEntry({ ...base, ticket: t, state: { status: 'valid', entriesUsed, exitsUsed } }).reason;
  it('admit again after an exit, never while the holder is inside', () => {
    expect(decide(0, 0)).toBe('ok');
    expect(decide(1, 0)).toBe('already_inside');
    expect(decide(1, 1)).toBe('ok');
    expect(decide(5, 4)).toBe('already_inside');
    expect(decide(5, 5)).toBe('ok');
  });
  it('leave other products one entry per allowance, exits or not', () => {
    expect(decide(1, 1, { ...pass, productId: 'adult' })).toBe('already_redeemed');
  });
});

describe('decideEntry', () => {
  it('admits a valid ticket in its slot', () => {
    expect(decideEntry(base)).toEqual({ admit: true, reason: 'ok' });
  });

  it.each<[string, Partial<CheckinInput>, string]>([
    ['another area', { ticket: { ...ticket, areaId: 'yellow-mountain' } }, 'wrong_area'],
    ['a refunded ticket', { state: { status: 'refunded', entriesUsed: 0 } }, 'revoked'],
    ['a revoked ticket', { state: { status: 'revoked', entriesUsed: 0 } }, 'revoked'],
    ['a pending ticket', { state: { status: 'pending', entriesUsed: 0 } }, 'not_issued'],
    ['another date', { now: at('09:30', '2026-07-16') }, 'wrong_date'],
    ['before the grace window', { now: at('08:29') }, 'too_early'],
    ['after the grace window', { now: at('11:01') }, 'too_late'],
    ['a product of another entrance', { ticket: { ...ticket, productId: 'boat' } }, 'wrong_entrance'],
    ['a used ticket', { state: { status: 'valid', entriesUsed: 1 } }, 'already_redeemed'],
    ['a full park', { inPark: 100 }, 'capacity_full'],
    ['a family ticket that does not fit', { inPark: 98, ticket: { ...ticket, units: 3 } }, 'capacity_full'],
  ])('refuses %s', (_name, patch, reason) => {
    expect(decideEntry({ ...base, ...patch })).toEqual({ admit: false, reason });
  });

  it.each([
    ['at the start of the grace window', '08:30'],
    ['at the end of the grace window', '11:00'],
  ])('admits %s', (_n, hhmm) => {
    expect(decideEntry({ ...base, now: at(hhmm) }).admit).toBe(true);
  });

  it('uses the area time zone, not the host one (00:30 in Shanghai is the previous day in UTC)', () => {
    const night = { ...ticket, slotStartMin: 0, slotEndMin: 60 };
    expect(decideEntry({ ...base, ticket: night, now: new Date('2026-07-14T16:30:00Z') }).admit).toBe(true);
  });

  it('admits an open-dated ticket any day and time', () => {
    expect(
      decideEntry({ ...base, ticket: { ...ticket, date: null }, now: at('23:00', '2026-12-01') }).admit,
    ).toBe(true);
  });

  it('does not enforce capacity when the area has none', () => {
    expect(decideEntry({ ...base, inPark: 10_000, rules: { ...rules, instantCapacity: 0 } }).admit).toBe(
      true,
    );
  });

  it('reports the first failing rule (a refunded ticket of another date is "revoked")', () => {
    expect(
      decideEntry({ ...base, state: { status: 'refunded', entriesUsed: 1 }, now: at('09:30', '2026-07-16') }),
    ).toEqual({ admit: false, reason: 'revoked' });
  });

  it('allows the entries a ticket carries', () => {
    const twice = { ...ticket, entriesAllowed: 2 };
    expect(decideEntry({ ...base, ticket: twice, state: { status: 'valid', entriesUsed: 1 } }).admit).toBe(
      true,
    );
    expect(decideEntry({ ...base, ticket: twice, state: { status: 'valid', entriesUsed: 2 } }).reason).toBe(
      'already_redeemed',
    );
  });
});

describe('reasons and helpers', () => {
  it('has a display line for every reason', () => {
    for (const r of REASONS) expect(DISPLAY[r]).toMatch(/\S/);
  });

  it.each([
    ['bad_signature', 'invalid_signature'],
    ['unknown_key', 'unknown_key'],
    ['malformed', 'malformed'],
    ['unsupported_version', 'malformed'],
  ] as const)('maps token failure %s to %s', (f, r) => {
    expect(tokenFailureReason(f)).toBe(r);
  });

  it('computes local time in a zone', () => {
    expect(localTime(new Date('2026-07-14T16:30:00Z'), 'Asia/Shanghai')).toEqual({
      date: '2026-07-15',
      minute: 30,
    });
    expect(hhmmToMinutes('09:05')).toBe(545);
    expect(() => hhmmToMinutes('9h')).toThrow();
  });

  it('hashes ID numbers case- and space-insensitively under a per-day key', () => {
    expect(manifestIdHash('k1', ' 11010119900307451x ')).toBe(manifestIdHash('k1', '11010119900307451X'));
    expect(manifestIdHash('k1', '11010119900307451X')).not.toBe(manifestIdHash('k2', '11010119900307451X'));
    expect(normaliseCardUid('04:a2:19:ff')).toBe('04A219FF');
  });
});

describe('17.12 open-dated tickets expire', () => {
  const open: TicketFacts = { ...ticket, date: null, validUntil: '2026-07-17' };
  it('17.12 admits on every day of its validity and refuses it the day after', () => {
    for (const d of ['2026-07-15', '2026-07-17'])
      expect(decideEntry({ ...base, ticket: open, now: at('09:30', d) })).toEqual({
        admit: true,
        reason: 'ok',
      });
    expect(decideEntry({ ...base, ticket: open, now: at('00:10', '2026-07-18') })).toEqual({
      admit: false,
      reason: 'expired',
    });
  });
});
