import { describe, expect, it } from 'vitest';
import type { Area } from '../lib/api.js';
import { checkDraft, fenOf, newDraft, nextVisitor, patchDraft, saleBody } from './sale-draft.js';

const area = {
  products: [{ id: 'adult', basePrice: 8000, currency: 'CNY' }],
} as unknown as Area;

describe('the box-office sale draft', () => {
  it.each([
    ['200', 20000],
    ['88.5', 8850],
    [' 0.01 ', 1],
    ['', undefined],
    ['12.345', undefined],
    ['-3', undefined],
  ])('reads %j yuan as %j fen', (text, fen) => expect(fenOf(text)).toBe(fen));

  it('keeps one form per ticket and what was typed when the quantity changes', () => {
    let d = patchDraft(newDraft('adult'), { qty: 2 });
    d = patchDraft(d, { visitors: [{ ...d.visitors[0]!, name: 'Li' }, d.visitors[1]!] });
    d = patchDraft(d, { qty: 3 });
    expect(d.visitors.map((v) => v.name)).toEqual(['Li', '', '']);
    expect(nextVisitor({ ...d, slotId: 'am', method: 'card' })).toMatchObject({
      qty: 1,
      slotId: 'am',
      method: 'card',
      visitors: [{ name: '' }],
    });
  });

  it('refuses cash short of the total and sends what was received in fen', () => {
    const d = { ...newDraft('adult'), slotId: 'am', tendered: '79' };
    expect(checkDraft(area, d)).toMatchObject({ total: 8000, cash: 7900, cashOk: false, ok: false });
    expect(checkDraft(area, { ...d, tendered: '100' }).cashOk).toBe(true);
    expect(saleBody('west-lake', '2026-05-01', { ...d, tendered: '100' }).payment).toEqual({
      method: 'cash',
      tendered: 10000,
    });
  });
});
