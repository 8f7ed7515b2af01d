import { describe, expect, it } from 'vitest';
import { ApiError, type Area } from '../lib/api.js';
import {
  bookReducer,
  initialBook,
  orderBody,
  presaleUnits,
  visitorErrors,
  type BookState,
} from './book-state.js';

const product = (id: string, persons = 1) => ({
  id,
  name: id,
  kind: 'admission',
  basePrice: 8000,
  currency: 'CNY',
  persons,
  entriesAllowed: 1,
  freeReschedule: true,
  components: [],
  group: null,
  visitRoute: null,
  policy: {
    refund: { allowed: true, cutoffHours: null, fee: null, partial: true },
    reschedule: { allowed: true, cutoffHours: null, freeCount: 1, maxCount: 1, fee: null },
    summary: { zh: '', en: '' },
  },
});
const area: Area = {
  id: 'west-lake',
  name: 'West Lake',
  timezone: 'Asia/Shanghai',
  dailyCapacity: 100,
  entrances: [],
  slots: [],
  products: [product('adult'), product('family', 3)],
};
const qty = (s: BookState, productId: string, n: number) =>
  bookReducer(s, { type: 'qty', productId, n, products: area.products });

describe('bookReducer', () => {
  it('keeps one visitor form per ticket, in product order, and what was typed', () => {
    let s = qty(initialBook('k1'), 'family', 1);
    s = qty(s, 'adult', 2);
    expect(s.visitors.map((v) => v.productId)).toEqual(['adult', 'adult', 'family']);
    s = bookReducer(s, { type: 'visitor', index: 1, visitor: { ...s.visitors[1]!, name: 'Li Lei' } });
    s = qty(s, 'adult', 3);
    expect(s.visitors.map((v) => v.name)).toEqual(['', 'Li Lei', '', '']);
    s = qty(s, 'adult', 1);
    expect(s.visitors.map((v) => v.productId)).toEqual(['adult', 'family']);
  });

  it.each([
    [-1, 0],
    [25, 20],
    [4, 4],
  ])('bounds a quantity of %i to %i', (n, want) => {
    expect(qty(initialBook('k'), 'adult', n).qty.adult).toBe(want);
  });

  it('forgets the slot when the date changes', () => {
    let s = bookReducer(initialBook('k'), { type: 'slot', slotId: 'am' });
    s = bookReducer(s, { type: 'date', date: '2026-05-01' });
    expect(s).toMatchObject({ date: '2026-05-01', slotId: null });
  });

  it('fills the first empty form with a saved visitor', () => {
    let s = qty(initialBook('k'), 'adult', 2);
    s = bookReducer(s, { type: 'visitor', index: 0, visitor: { ...s.visitors[0]!, name: 'A' } });
    s = bookReducer(s, {
      type: 'useSaved',
      saved: { name: 'Han Meimei', idType: 'passport', idNumber: 'E1234567' },
    });
    expect(s.visitors[1]).toMatchObject({ name: 'Han Meimei', idType: 'passport', idNumber: 'E1234567' });
  });

  it('after a refused order takes a fresh Idempotency-Key, and reloads the calendar on a 409', () => {
    const sent = bookReducer(initialBook('k1'), { type: 'sending' });
    expect(sent.busy).toBe(true);
    const conflict = new ApiError(409, 'sold_out', 'sold out');
    const s = bookReducer(sent, { type: 'placeFailed', error: conflict, nextKey: 'k2' });
    expect(s).toMatchObject({ busy: false, error: conflict, idemKey: 'k2', reload: 1 });
    const bad = bookReducer(sent, { type: 'placeFailed', error: new ApiError(400, 'x', 'x'), nextKey: 'k3' });
    expect(bad.reload).toBe(0);
  });

  it('clears the error when going back from the review only', () => {
    const failed = { ...initialBook('k'), step: 3 as const, error: new Error('x') };
    expect(bookReducer(failed, { type: 'step', step: 2 }).error).toBeNull();
    expect(bookReducer({ ...failed, step: 2 }, { type: 'step', step: 1 }).error).not.toBeNull();
  });
});

describe('the order request', () => {
  it('groups the visitors by line, trims them, and counts presale units by persons', () => {
    let s = qty(qty(initialBook('k'), 'adult', 1), 'family', 1);
    s = { ...s, date: '2026-05-01', slotId: 'am', coupon: ' spring ' };
    s = bookReducer(s, {
      type: 'visitor',
      index: 0,
      visitor: { ...s.visitors[0]!, name: ' Li ', idNumber: ' 11010519491231002X ' },
    });
    expect(orderBody(area, s, 'h1')).toMatchObject({
      areaId: 'west-lake',
      items: [
        { productId: 'adult', visitors: [{ name: 'Li', idNumber: '11010519491231002X' }] },
        { productId: 'family', visitors: [{ name: '' }] },
      ],
      coupons: ['SPRING'],
      holdId: 'h1',
    });
    expect(presaleUnits(area, s)).toBe(4);
  });

  it('puts the server field errors on the visitor form they came from', () => {
    let s = qty(qty(initialBook('k'), 'family', 1), 'adult', 2);
    s = {
      ...s,
      error: new ApiError(400, 'invalid_input', 'bad', [
        { path: 'items.0.visitors.1.idNumber', message: 'adult #2' },
        { path: 'items.1.visitors.0.idNumber', message: 'family #1' },
        { path: 'date', message: 'not a visitor' },
      ]),
    };
    expect(visitorErrors(area, s)).toEqual({ 1: 'adult #2', 2: 'family #1' });
  });
});
