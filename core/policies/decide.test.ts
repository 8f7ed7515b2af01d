import { describe, expect, it } from 'vitest';
import { decideRefund, decideReschedule, feeOf, type PolicyTicket } from './decide.js';
import { ProductPolicy, defaultPolicy } from './model.js';
import { DeclaredFields } from '../catalog/declared.js';

const start = new Date('2026-12-10T01:00:00Z'); // 09:00 in Shanghai
const hours = (h: number) => new Date(start.getTime() - h * 3_600_000);
const policy = ProductPolicy.parse({
  refund: {
    cutoff: { kind: 'hours_before', hours: 24 },
    fee: { kind: 'percent', bps: 1000 },
    partial: false,
  },
  reschedule: { freeCount: 1, maxCount: 2, fee: { kind: 'fixed', amount: 500 } },
});
const t = (id: string, over: Partial<PolicyTicket> = {}): PolicyTicket => ({
  id,
  price: 8000,
  feeRetained: 0,
  policy,
  ...over,
});

describe('refund rule', () => {
  it('pays back the price less the fee before the deadline', () => {
    expect(
      decideRefund({
        now: hours(25),
        slotStart: start,
        tickets: [t('a'), t('b')],
        wholeOrder: true,
        waived: false,
      }),
    ).toEqual({
      ok: true,
      amount: 14400,
      fee: 1600,
      tickets: [
        { ticketId: 'a', fee: 800, amount: 7200 },
        { ticketId: 'b', fee: 800, amount: 7200 },
      ],
    });
  });
  it('refuses after the deadline, and a part of the order where the product forbids it', () => {
    const late = decideRefund({
      now: hours(23),
      slotStart: start,
      tickets: [t('a')],
      wholeOrder: true,
      waived: false,
    });
    expect(late).toMatchObject({ ok: false, code: 'refund_window_closed' });
    const part = decideRefund({
      now: hours(30),
      slotStart: start,
      tickets: [t('a')],
      wholeOrder: false,
      waived: false,
    });
    expect(part).toMatchObject({ ok: false, code: 'partial_refund_not_allowed' });
  });
  it('waives deadline and fee for the area’s own fault, but never pays back fees already kept', () => {
    expect(
      decideRefund({
        now: hours(-1),
        slotStart: start,
        tickets: [t('a', { feeRetained: 500 })],
        wholeOrder: false,
        waived: true,
      }),
    ).toMatchObject({ ok: true, amount: 7500, fee: 0 });
  });
  it('never keeps more than is left of a ticket', () => {
    expect(feeOf({ kind: 'fixed', amount: 9000 }, 8000)).toBe(8000);
    expect(feeOf({ kind: 'percent', bps: 1000 }, 8000, 300)).toBe(300);
    expect(feeOf({ kind: 'percent', bps: 333 }, 1001)).toBe(33);
    expect(feeOf(null, 8000)).toBe(0);
  });
  it('by default refunds whole until used, and reschedules only a freeReschedule product', () => {
    expect(
      decideRefund({
        now: hours(-5),
        slotStart: start,
        tickets: [t('a', { policy: defaultPolicy(false) })],
        wholeOrder: false,
        waived: false,
      }),
    ).toMatchObject({ ok: true, amount: 8000, fee: 0 });
    expect(
      decideReschedule({
        now: hours(1),
        slotStart: start,
        tickets: [t('a', { policy: defaultPolicy(false) })],
        done: 0,
      }),
    ).toMatchObject({ ok: false, code: 'reschedule_not_allowed' });
  });
});

describe('reschedule rule', () => {
  const at = (done: number, now = hours(3)) =>
    decideReschedule({ now, slotStart: start, tickets: [t('a')], done });
  it('is free the first time, then costs the fee, then is refused', () => {
    expect(at(0)).toMatchObject({ ok: true, fee: 0, free: true });
    expect(at(1)).toMatchObject({
      ok: true,
      fee: 500,
      free: false,
      tickets: [{ ticketId: 'a', fee: 500, amount: 7500 }],
    });
    expect(at(2)).toMatchObject({ ok: false, code: 'reschedule_limit_reached' });
  });
  it('closes when the slot starts (its default cutoff)', () => {
    expect(at(0, hours(0))).toMatchObject({ ok: false, code: 'reschedule_window_closed' });
  });
});

describe('declared in a ScenicArea', () => {
  const base = {
    timezone: 'Asia/Shanghai',
    dailyCapacity: 100,
    thresholds: { yellow: 70, orange: 85, red: 100 },
  };
  it('accepts a product’s policy, route and group tiers', () => {
    const f = DeclaredFields.safeParse({
      ...base,
      products: [
        {
          id: 'adult',
          policy: { refund: { fee: { kind: 'fixed', amount: 500 } }, reschedule: {} },
          visitRoute: 'North Gate → Su Causeway',
          group: { minPersons: 10, maxPersons: 40, tiers: [{ fromPersons: 10, unitPrice: 7000 }] },
        },
      ],
    });
    expect(f.success).toBe(true);
  });
  it('refuses a bad one, naming the field (the operator’s InvalidDeclaration condition)', () => {
    const f = DeclaredFields.safeParse({
      ...base,
      products: [
        { id: 'adult', policy: { refund: { fee: { kind: 'percent', bps: 20000 } }, reschedule: {} } },
      ],
    });
    expect(f.success).toBe(false);
    expect(f.error?.issues[0]?.path).toEqual(['products', 0, 'policy', 'refund', 'fee', 'bps']);
  });
});
