import type { Order } from '../lib/api.js';
import type { VisitorDraft } from './visitor-fields.js';

/**
 * The annual-pass sale on the visitor page (issue 18), as one pure reducer: which pass
 * product, its holder (the person the pass is bound to), the first day's slot, and where
 * the purchase stands. A pass is bought like any ticket (`POST /v1/orders`), valid from
 * its first day for its terms' days.
 */
export interface PassProduct {
  productId: string;
  name: string;
  price: number;
  currency: string;
  terms: {
    validityDays: number;
    entryRule: 'once_a_day' | 'unlimited';
    blackoutDates: string[];
    busy: { dates: string[]; weekdays: number[] };
    priorityLane: boolean;
    usedRefund: 'pro_rata' | 'none';
  };
}

export interface PassSaleState {
  open: boolean;
  productId: string | null;
  holder: VisitorDraft;
  slotId: string | null;
  order: Order | null;
  busy: boolean;
  error: Error | null;
  /** kept across retries of one purchase; a fresh one after a refusal */
  idemKey: string;
}

export type PassSaleAction =
  | { type: 'open'; open: boolean }
  | { type: 'product'; productId: string }
  | { type: 'holder'; holder: VisitorDraft }
  | { type: 'slot'; slotId: string }
  | { type: 'sending' }
  | { type: 'placed'; order: Order }
  | { type: 'failed'; error: Error; nextKey: string };

export const initialPassSale = (idemKey: string): PassSaleState => ({
  open: false,
  productId: null,
  holder: { productId: '', name: '', idType: 'cn_resident', idNumber: '' },
  slotId: null,
  order: null,
  busy: false,
  error: null,
  idemKey,
});

export function passSaleReducer(s: PassSaleState, a: PassSaleAction): PassSaleState {
  switch (a.type) {
    case 'open':
      return { ...s, open: a.open };
    case 'product':
      // the holder stays: only the pass they are bound to changes
      return { ...s, productId: a.productId, holder: { ...s.holder, productId: a.productId }, error: null };
    case 'holder':
      return { ...s, holder: { ...a.holder, productId: s.productId ?? '' } };
    case 'slot':
      return { ...s, slotId: a.slotId };
    case 'sending':
      return { ...s, busy: true, error: null };
    case 'placed':
      return { ...s, busy: false, order: a.order };
    case 'failed':
      // a refusal is final for that key: the next attempt is a new purchase
      return { ...s, busy: false, error: a.error, idemKey: a.nextKey };
  }
}

/** Whether the form can be sent: a pass, a slot, a named holder with an ID number, nothing in flight. */
export const canBuy = (s: PassSaleState): boolean =>
  !!s.productId &&
  !!s.slotId &&
  !!s.holder.name.trim() &&
  s.holder.idNumber.trim().length >= 5 &&
  !s.busy &&
  !s.order;

/** The order a pass purchase places: one pass for its holder, valid from `date` (today). */
export function passOrderBody(areaId: string, date: string, s: PassSaleState) {
  return {
    areaId,
    date,
    slotId: s.slotId,
    items: [
      {
        productId: s.productId,
        visitors: [
          { name: s.holder.name.trim(), idType: s.holder.idType, idNumber: s.holder.idNumber.trim() },
        ],
      },
    ],
  };
}

/** The terms in one line, for the visitor before they buy. */
export function termsLine(p: PassProduct, lang: 'zh' | 'en'): string {
  const t = p.terms;
  const parts =
    lang === 'zh'
      ? [
          `有效期 ${t.validityDays} 天`,
          t.entryRule === 'unlimited' ? '不限次入园' : '每天入园一次',
          t.priorityLane ? '优先通道' : '',
          t.busy.dates.length || t.busy.weekdays.length ? '高峰日需预约' : '',
          t.blackoutDates.length ? `${t.blackoutDates.length} 个不可用日` : '',
          t.usedRefund === 'none' ? '使用后不可退' : '使用后按未用天数退款',
        ]
      : [
          `valid ${t.validityDays} days`,
          t.entryRule === 'unlimited' ? 'unlimited entries' : 'one entry a day',
          t.priorityLane ? 'priority lane' : '',
          t.busy.dates.length || t.busy.weekdays.length ? 'book a free slot on busy days' : '',
          t.blackoutDates.length ? `${t.blackoutDates.length} blackout days` : '',
          t.usedRefund === 'none' ? 'no refund once used' : 'once used, refunds the days not begun',
        ];
  return parts.filter(Boolean).join(' · ');
}
