import { describe, expect, it } from 'vitest';
import { ApiError } from '../lib/api.js';
import {
  canBuy,
  initialPassSale,
  passOrderBody,
  passSaleReducer,
  termsLine,
  type PassProduct,
  type PassSaleState,
} from './pass-sale-state.js';

const run = (s: PassSaleState, ...as: Parameters<typeof passSaleReducer>[1][]) =>
  as.reduce(passSaleReducer, s);
const filled = () =>
  run(
    initialPassSale('k1'),
    { type: 'open', open: true },
    { type: 'product', productId: 'year' },
    {
      type: 'holder',
      holder: { productId: '', name: ' 王芳 ', idType: 'cn_resident', idNumber: '11010519491231002X ' },
    },
    { type: 'slot', slotId: 'day' },
  );

describe('the visitor page’s pass sale (issue 18)', () => {
  it('can buy only with a pass, a slot and a named holder; the order binds the pass to the holder', () => {
    expect(canBuy(initialPassSale('k'))).toBe(false);
    const s = filled();
    expect(canBuy(s)).toBe(true);
    expect(s.holder.productId).toBe('year');
    expect(passOrderBody('pa', '2026-12-02', s)).toEqual({
      areaId: 'pa',
      date: '2026-12-02',
      slotId: 'day',
      items: [
        {
          productId: 'year',
          visitors: [{ name: '王芳', idType: 'cn_resident', idNumber: '11010519491231002X' }],
        },
      ],
    });
    expect(canBuy(run(s, { type: 'holder', holder: { ...s.holder, name: ' ' } }))).toBe(false);
  });

  it('a request in flight or a held order blocks a second purchase; a refusal takes a fresh key', () => {
    const sending = run(filled(), { type: 'sending' });
    expect(canBuy(sending)).toBe(false);
    const failed = run(sending, {
      type: 'failed',
      error: new ApiError(409, 'day_sold_out', 'sold out'),
      nextKey: 'k2',
    });
    expect(failed).toMatchObject({ busy: false, idemKey: 'k2' });
    expect(canBuy(failed)).toBe(true);
    const placed = run(sending, { type: 'placed', order: { id: 'o1', amountTotal: 36_500 } as never });
    expect(placed.order?.id).toBe('o1');
    expect(canBuy(placed)).toBe(false);
  });

  it('changing the pass keeps the holder typed so far', () => {
    const s = run(filled(), { type: 'product', productId: 'year-open' });
    expect(s.holder).toMatchObject({ productId: 'year-open', name: ' 王芳 ' });
  });

  it('shows the terms before purchase', () => {
    const p: PassProduct = {
      productId: 'year',
      name: 'Annual pass',
      price: 36_500,
      currency: 'CNY',
      terms: {
        validityDays: 365,
        entryRule: 'once_a_day',
        blackoutDates: ['2026-12-31'],
        busy: { dates: [], weekdays: [6] },
        priorityLane: true,
        usedRefund: 'pro_rata',
      },
    };
    expect(termsLine(p, 'en')).toBe(
      'valid 365 days · one entry a day · priority lane · book a free slot on busy days · 1 blackout days · once used, refunds the days not begun',
    );
    expect(termsLine(p, 'zh')).toContain('每天入园一次');
  });
});
