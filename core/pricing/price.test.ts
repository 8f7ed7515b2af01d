import { describe, expect, it } from 'vitest';
import { quote, type PriceContext } from './price.js';
import type { Coupon, PriceRule } from './rules.js';

const ctx = (over: Partial<PriceContext> = {}): PriceContext => ({
  channelId: 'web',
  channelDiscountBps: 0,
  date: '2026-07-15', // a Wednesday
  slotStart: '09:00',
  member: false,
  now: new Date('2026-07-01T00:00:00Z'),
  rules: [],
  coupons: [],
  ...over,
});
const adult = { productId: 'adult', basePrice: 10000, quantity: 2 };
const rule = (r: Omit<PriceRule, 'productId'> & { productId?: string | null }) =>
  ({ productId: null, ...r }) as PriceRule;
const coupon = (over: Partial<Coupon>): Coupon => ({
  code: 'C',
  kind: 'amount',
  value: 1000,
  maxUses: null,
  used: 0,
  stackable: false,
  minAmount: 0,
  validFrom: null,
  validUntil: null,
  ...over,
});

describe('pricing', () => {
  it('charges the base price times quantity in integer minor units', () => {
    expect(quote([adult], ctx())).toMatchObject({
      subtotal: 20000,
      total: 20000,
      lines: [{ unitPrice: 10000, amount: 20000 }],
    });
  });

  it.each([
    ['early-bird at 80 % before 08:00', '07:30', 8000],
    ['no early-bird at 08:00 sharp', '08:00', 10000],
    ['night at 70 % from 17:00', '17:00', 7000],
    ['daytime', '12:00', 10000],
  ])('%s', (_n, slotStart, unit) => {
    const rules = [
      rule({ kind: 'early_bird', params: { before: '08:00', bps: 8000 } }),
      rule({ kind: 'night', params: { after: '17:00', bps: 7000 } }),
    ];
    expect(quote([adult], ctx({ slotStart, rules })).lines[0]!.unitPrice).toBe(unit);
  });

  it('applies channel price, then calendar, then entry time, then member, and explains each step', () => {
    const rules = [
      rule({ kind: 'channel', params: { channelId: 'ota:trip', price: 9000 } }),
      rule({
        kind: 'calendar',
        params: { label: 'summer peak', from: '2026-07-01', to: '2026-08-31', bps: 12000 },
      }),
      rule({ kind: 'early_bird', params: { before: '08:00', bps: 8000 } }),
      rule({ kind: 'member', params: { bps: 9000 } }),
    ];
    const q = quote([adult], ctx({ channelId: 'ota:trip', slotStart: '07:00', member: true, rules }));
    expect(q.lines[0]!.steps.map((s) => [s.rule, s.unitPrice])).toEqual([
      ['base', 10000],
      ['channel', 9000],
      ['calendar', 10800],
      ['early_bird', 8640],
      ['member', 7776],
    ]);
  });

  it('rounds half up to a minor unit', () => {
    const rules = [rule({ kind: 'night', params: { after: '17:00', bps: 7000 } })];
    expect(
      quote([{ productId: 'x', basePrice: 3335, quantity: 1 }], ctx({ slotStart: '18:00', rules })).total,
    ).toBe(2335); // 2334.5
  });

  it('applies weekend deals only on their weekdays', () => {
    const rules = [
      rule({ kind: 'calendar', params: { label: 'off-season weekend', weekdays: [0, 6], bps: 8500 } }),
    ];
    expect(quote([adult], ctx({ rules })).total).toBe(20000);
    expect(quote([adult], ctx({ rules, date: '2026-07-18' })).total).toBe(17000);
  });

  it('takes one coupon, percent before amount when stackable, never below zero', () => {
    expect(quote([adult], ctx({ coupons: [coupon({ value: 1500 })] })).total).toBe(18500);
    const both = [
      coupon({ code: 'A', value: 1000, stackable: true }),
      coupon({ code: 'P', kind: 'percent', value: 1000, stackable: true }),
    ];
    expect(quote([adult], ctx({ coupons: both }))).toMatchObject({
      total: 17000,
      coupons: [
        { code: 'P', discount: 2000 },
        { code: 'A', discount: 1000 },
      ],
    });
    expect(quote([adult], ctx({ coupons: [coupon({ value: 999999 })] })).total).toBe(0);
  });

  it.each([
    ['expired', { validUntil: new Date('2026-06-30T00:00:00Z') }, 'coupon_expired'],
    ['not yet valid', { validFrom: new Date('2026-07-02T00:00:00Z') }, 'coupon_not_yet_valid'],
    ['used up', { maxUses: 5, used: 5 }, 'coupon_used_up'],
    ['below minimum', { minAmount: 50000 }, 'coupon_min_amount'],
  ])('refuses a coupon that is %s', (_n, over, code) => {
    expect(() => quote([adult], ctx({ coupons: [coupon(over)] }))).toThrow(
      expect.objectContaining({ code }) as Error,
    );
  });

  it('refuses two coupons unless both are stackable', () => {
    expect(() =>
      quote([adult], ctx({ coupons: [coupon({ code: 'A' }), coupon({ code: 'B', stackable: true })] })),
    ).toThrow(expect.objectContaining({ code: 'coupon_not_stackable' }) as Error);
  });
});
