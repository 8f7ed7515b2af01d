import type { Area, PaymentMethod } from '../lib/api.js';
import { idProblem, type VisitorDraft } from '../visitor/visitor-fields.js';

/** What the box office has typed for the next walk-up sale. */
export interface SaleDraft {
  productId: string;
  qty: number;
  slotId: string;
  /** one real-name form per ticket */
  visitors: VisitorDraft[];
  method: PaymentMethod;
  /** cash handed over, in yuan as typed */
  tendered: string;
  /** card slip reference */
  cardRef: string;
}

const blank = (productId: string): VisitorDraft => ({
  name: '',
  idType: 'cn_resident',
  idNumber: '',
  productId,
});

export const newDraft = (productId: string): SaleDraft => ({
  productId,
  qty: 1,
  slotId: '',
  visitors: [blank(productId)],
  method: 'cash',
  tendered: '',
  cardRef: '',
});

/** Applies a change; a new quantity or product keeps what was typed and one form per ticket. */
export function patchDraft(d: SaleDraft, patch: Partial<SaleDraft>): SaleDraft {
  const next = { ...d, ...patch };
  if (patch.qty === undefined && patch.productId === undefined) return next;
  return {
    ...next,
    visitors: Array.from({ length: next.qty }, (_, i) => ({
      ...(next.visitors[i] ?? blank(next.productId)),
      productId: next.productId,
    })),
  };
}

/** The next visitor at the window: same product, slot and payment method, everything else fresh. */
export const nextVisitor = (d: SaleDraft): SaleDraft => ({
  ...d,
  qty: 1,
  visitors: [blank(d.productId)],
  tendered: '',
  cardRef: '',
});

/** Yuan as typed at the counter ("200", "88.5") → fen; undefined when empty or not a sum. */
export function fenOf(text: string): number | undefined {
  if (!/^\d{1,7}(\.\d{1,2})?$/.test(text.trim())) return undefined;
  return Math.round(Number(text.trim()) * 100);
}

/** The list total, the cash received in fen, and whether the draft can be sold. */
export function checkDraft(area: Area, d: SaleDraft) {
  const product = area.products.find((p) => p.id === d.productId);
  const total = product ? product.basePrice * d.qty : 0;
  const cash = fenOf(d.tendered);
  const cashOk = d.method !== 'cash' || d.tendered.trim() === '' || (cash !== undefined && cash >= total);
  const visitorsOk = d.visitors.every((v) => v.name.trim() && v.idNumber.trim() && !idProblem(v));
  return { product, total, cash, cashOk, ok: Boolean(d.slotId) && cashOk && visitorsOk };
}

/** The `POST /v1/box-office/sales` body (core/channels/box-office.ts WalkUpInput). */
export function saleBody(areaId: string, date: string, d: SaleDraft) {
  const cash = fenOf(d.tendered);
  return {
    areaId,
    date,
    slotId: d.slotId,
    items: [
      {
        productId: d.productId,
        visitors: d.visitors.map(({ name, idType, idNumber }) => ({
          name: name.trim(),
          idType,
          idNumber: idNumber.trim(),
        })),
      },
    ],
    payment: {
      method: d.method,
      ...(d.method === 'cash' && cash !== undefined ? { tendered: cash } : {}),
      ...(d.method === 'card' && d.cardRef.trim() ? { reference: d.cardRef.trim() } : {}),
    },
  };
}
