import { ApiError, type Area, type Order, type Product } from '../lib/api.js';
import type { SavedVisitor } from '../lib/store.js';
import type { VisitorDraft } from './visitor-fields.js';

/**
 * The booking page's state and every change to it, as one pure reducer: what the visitor
 * picked (date, quantities, slot, visitors, phone, coupon) and where the purchase stands
 * (the held order, a request in flight, the last error, the Idempotency-Key of the next
 * attempt). The component only dispatches and renders.
 */
export interface BookState {
  step: 1 | 2 | 3;
  date: string | null;
  qty: Record<string, number>;
  slotId: string | null;
  /** one real-name form per ticket, in product order */
  visitors: VisitorDraft[];
  phone: string;
  coupon: string;
  /** a combo's picks: component id → session id (./combo-sessions.tsx) */
  sessions: Record<string, string>;
  order: Order | null;
  busy: boolean;
  error: Error | null;
  /** bumped to reload the calendar (after a 409: what was left has changed) */
  reload: number;
  /** kept across retries of one order; a fresh one after a refusal */
  idemKey: string;
}

export type BookAction =
  | { type: 'step'; step: 1 | 2 | 3 }
  | { type: 'date'; date: string }
  | { type: 'qty'; productId: string; n: number; products: readonly Product[] }
  | { type: 'products'; products: readonly Product[] }
  | { type: 'slot'; slotId: string }
  | { type: 'visitor'; index: number; visitor: VisitorDraft }
  | { type: 'useSaved'; saved: SavedVisitor }
  | { type: 'phone'; phone: string }
  | { type: 'coupon'; coupon: string }
  | { type: 'session'; componentId: string; sessionId: string }
  | { type: 'sending' }
  | { type: 'placed'; order: Order }
  | { type: 'placeFailed'; error: Error; nextKey: string }
  | { type: 'payFailed'; error: Error };

/** At most this many tickets of one product per order (the quantity steppers' bound). */
export const MAX_QTY = 20;

export const initialBook = (idemKey: string): BookState => ({
  step: 1,
  date: null,
  qty: {},
  slotId: null,
  visitors: [],
  phone: '',
  coupon: '',
  sessions: {},
  order: null,
  busy: false,
  error: null,
  reload: 0,
  idemKey,
});

/** One visitor form per ticket, in product order, keeping what was already typed. */
export function visitorsFor(
  products: readonly Product[],
  qty: Record<string, number>,
  prev: readonly VisitorDraft[],
): VisitorDraft[] {
  const out: VisitorDraft[] = [];
  for (const p of products) {
    const had = prev.filter((v) => v.productId === p.id);
    for (let i = 0; i < (qty[p.id] ?? 0); i++)
      out.push(had[i] ?? { productId: p.id, name: '', idType: 'cn_resident', idNumber: '' });
  }
  return out;
}

export function bookReducer(s: BookState, a: BookAction): BookState {
  switch (a.type) {
    case 'step':
      // going back from the review clears its error; going forward keeps the page as it is
      return { ...s, step: a.step, error: s.step === 3 && a.step === 2 ? null : s.error };
    case 'date':
      // seats left are per day: another day's picks do not carry over
      return { ...s, date: a.date, slotId: null, sessions: {} };
    case 'qty': {
      const qty = { ...s.qty, [a.productId]: Math.max(0, Math.min(MAX_QTY, a.n)) };
      return { ...s, qty, visitors: visitorsFor(a.products, qty, s.visitors) };
    }
    case 'products':
      return { ...s, visitors: visitorsFor(a.products, s.qty, s.visitors) };
    case 'slot':
      return { ...s, slotId: a.slotId };
    case 'visitor':
      return { ...s, visitors: s.visitors.map((v, j) => (j === a.index ? a.visitor : v)) };
    case 'useSaved': {
      // the first empty form takes the saved visitor
      const i = s.visitors.findIndex((v) => !v.name && !v.idNumber);
      if (i < 0) return s;
      const { name, idNumber } = a.saved;
      const idType = a.saved.idType as VisitorDraft['idType'];
      return { ...s, visitors: s.visitors.map((v, j) => (j === i ? { ...v, name, idType, idNumber } : v)) };
    }
    case 'phone':
      return { ...s, phone: a.phone };
    case 'coupon':
      return { ...s, coupon: a.coupon };
    case 'session':
      return { ...s, sessions: { ...s.sessions, [a.componentId]: a.sessionId } };
    case 'sending':
      return { ...s, busy: true, error: null };
    case 'placed':
      return { ...s, busy: false, order: a.order };
    case 'placeFailed': {
      const conflict = a.error instanceof ApiError && a.error.status === 409;
      return { ...s, busy: false, error: a.error, idemKey: a.nextKey, reload: s.reload + (conflict ? 1 : 0) };
    }
    case 'payFailed':
      return { ...s, busy: false, error: a.error };
  }
}

/** Tickets chosen, over every product. */
export const ticketCount = (s: BookState): number => Object.values(s.qty).reduce((n, q) => n + q, 0);

/** The list price of what is chosen, in fen (the server prices the order itself). */
export const listTotal = (area: Area, s: BookState): number =>
  area.products.reduce((sum, p) => sum + p.basePrice * (s.qty[p.id] ?? 0), 0);

/** Stock units the presale hold takes: a family ticket holds as many places as it admits. */
export const presaleUnits = (area: Area, s: BookState): number =>
  area.products.reduce((n, p) => n + p.persons * (s.qty[p.id] ?? 0), 0);

/** The `POST /v1/orders` body (core/orders/inputs.ts PlaceOrderInput) for what is chosen. */
export function orderBody(area: Area, s: BookState, holdId?: string) {
  const items = area.products
    .filter((p) => (s.qty[p.id] ?? 0) > 0)
    .map((p) => ({
      productId: p.id,
      visitors: s.visitors
        .filter((v) => v.productId === p.id)
        .map(({ name, idType, idNumber }) => ({ name: name.trim(), idType, idNumber: idNumber.trim() })),
    }));
  return {
    areaId: area.id,
    date: s.date,
    slotId: s.slotId,
    items,
    ...(s.phone ? { contactPhone: s.phone } : {}),
    coupons: s.coupon ? [s.coupon.trim().toUpperCase()] : [],
    ...(holdId ? { holdId } : {}),
    ...(Object.keys(s.sessions).length ? { sessions: s.sessions } : {}),
  };
}

/**
 * The server's field errors (`items.<line>.visitors.<n>.idNumber`) by the index of the
 * visitor form they belong to. Lines are the products with a quantity, in product order.
 */
export function visitorErrors(area: Area, s: BookState): Record<number, string> {
  const m: Record<number, string> = {};
  if (!(s.error instanceof ApiError)) return m;
  const lineOf = area.products.filter((p) => (s.qty[p.id] ?? 0) > 0).map((p) => p.id);
  for (const e of s.error.errors) {
    const x = /^items\.(\d+)\.visitors\.(\d+)/.exec(e.path);
    if (!x) continue;
    const pid = lineOf[Number(x[1])];
    let seen = 0;
    s.visitors.forEach((v, i) => {
      if (v.productId === pid && seen++ === Number(x[2])) m[i] = e.message;
    });
  }
  return m;
}
