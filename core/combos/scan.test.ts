import { describe, expect, it } from 'vitest';
import { decideRedemption } from './scan.js';

const AT = { areaId: 'a', today: '2026-12-02' };
const ticket = (status: 'valid' | 'pending' | 'refunded' | 'void', area = 'a') => ({
  id: 't',
  area_id: area,
  status,
});
const booking = (status: 'active' | 'redeemed' | 'refunded' | 'void', date = AT.today) => ({
  status,
  visit_date: date,
});

describe('decideRedemption: what a component door decides for one ticket', () => {
  it.each([
    ['an unpaid ticket', ticket('pending'), booking('active'), 'not_issued'],
    ['a valid ticket, its component unused, today', ticket('valid'), booking('active'), 'ok'],
    ['a second scan', ticket('valid'), booking('redeemed'), 'already_redeemed'],
    ['a refunded ticket', ticket('refunded'), booking('refunded'), 'revoked'],
    ['a component refunded alone', ticket('valid'), booking('refunded'), 'revoked'],
    ['another day', ticket('valid'), booking('active', '2026-12-03'), 'wrong_date'],
    ['a ticket without this component', ticket('valid'), undefined, 'not_allowed_for_device'],
    ['a ticket of another area', ticket('valid', 'b'), booking('active'), 'wrong_area'],
    ['an unknown ticket', undefined, undefined, 'unknown_ticket'],
  ] as const)('%s', (_name, t, b, reason) => {
    expect(decideRedemption(t, b, AT)).toBe(reason);
  });
});
