import { describe, expect, it } from 'vitest';
import type { PricedDay } from '../lib/api.js';
import { cellPrice, dynamicFrom } from './day-price.js';

const slot = (slotId: string, prices: [string, number, boolean][], soldOut = false) => ({
  slotId,
  startsAt: '09:00',
  endsAt: '12:00',
  capacity: 10,
  remaining: soldOut ? 0 : 10,
  soldOut,
  factorBps: null,
  prices: prices.map(([productId, unitPrice, dynamic]) => ({ productId, unitPrice, dynamic })),
});
const day = (slots: ReturnType<typeof slot>[], closed = false) =>
  ({ date: '2026-12-03', closed, remaining: 20, slots }) as unknown as PricedDay;

describe('the forecast price on the calendar (issue 22)', () => {
  it.each([
    ['no product moves: no price', day([slot('am', [['adult', 8000, false]])]), [], null],
    [
      'the lowest over the slots of the products that move',
      day([
        slot('am', [
          ['adult', 12000, true],
          ['child', 4000, false],
        ]),
        slot('pm', [
          ['adult', 10000, true],
          ['child', 4000, false],
        ]),
      ]),
      [],
      10000,
    ],
    [
      'a sold-out slot does not count',
      day([slot('am', [['adult', 9000, true]], true), slot('pm', [['adult', 11000, true]])]),
      [],
      11000,
    ],
    [
      'what the visitor chose: a static choice shows nothing',
      day([
        slot('am', [
          ['adult', 12000, true],
          ['child', 4000, false],
        ]),
      ]),
      ['child'],
      null,
    ],
    ['a closed day shows nothing', day([slot('am', [['adult', 12000, true]])], true), [], null],
  ] as const)('%s', (_name, d, ids, want) => {
    expect(dynamicFrom(d, ids)).toBe(want);
  });
  it('fits a calendar cell: whole yuan without decimals', () => {
    expect(cellPrice(10000)).toBe('¥100');
    expect(cellPrice(10050)).toBe('¥100.50');
  });
});
