import type { Cutoff, Fee, ProductPolicy } from './model.js';
import type { POLICY_ERRORS } from './errors.js';

/**
 * The refund and reschedule rules as pure functions: given the moment, the visit's slot
 * start and the tickets (each with its product's policy), what may be done and what it
 * costs. `core/orders/lifecycle.ts` calls them under the order's row lock; the offers,
 * the visitor page and OCTO describe the same policy objects, so what a visitor is told
 * before buying is what every channel enforces afterwards.
 */
export type PolicyRefusal = keyof typeof POLICY_ERRORS | 'reschedule_not_allowed';

export interface PolicyTicket {
  id: string;
  /** what was paid for it, fen */
  price: number;
  /** fees already kept from its value (earlier charged reschedules), fen */
  feeRetained: number;
  policy: ProductPolicy;
}

export type Refusal = { ok: false; code: PolicyRefusal; message: string };

export interface TicketMoney {
  ticketId: string;
  /** kept by the area, fen */
  fee: number;
  /** paid back (refund) or still the ticket's value (reschedule), fen */
  amount: number;
}

/** A fee on a price, never more than what is left of it. Percent fees round to the nearest fen. */
export function feeOf(fee: Fee | null, price: number, left = price): number {
  if (!fee || left <= 0) return 0;
  const raw = fee.kind === 'percent' ? Math.round((price * fee.bps) / 10_000) : fee.amount;
  return Math.min(raw, left);
}

/** Whether `now` is still before the cutoff of a visit whose slot starts at `slotStart`. */
export function beforeCutoff(cutoff: Cutoff, now: Date, slotStart: Date): boolean {
  if (cutoff.kind === 'none') return true;
  const limit =
    cutoff.kind === 'slot_start' ? slotStart.getTime() : slotStart.getTime() - cutoff.hours * 3_600_000;
  return now.getTime() < limit;
}

/** The last moment to act, or null when there is none (used by OCTO and the offers). */
export function cutoffHours(cutoff: Cutoff): number | null {
  return cutoff.kind === 'none' ? null : cutoff.kind === 'slot_start' ? 0 : cutoff.hours;
}

export interface RefundCase {
  now: Date;
  slotStart: Date;
  /** the tickets asked for */
  tickets: PolicyTicket[];
  /** whether they are all the order's unused tickets */
  wholeOrder: boolean;
  /** staff refunding for the area's own fault (closure, service issue): no deadline, no fee */
  waived: boolean;
}

export type RefundDecision = { ok: true; amount: number; fee: number; tickets: TicketMoney[] } | Refusal;

/** What refunding these tickets pays back and keeps, or why it may not happen. */
export function decideRefund(c: RefundCase): RefundDecision {
  const out: TicketMoney[] = [];
  for (const t of c.tickets) {
    const left = Math.max(0, t.price - t.feeRetained);
    if (c.waived) {
      out.push({ ticketId: t.id, fee: 0, amount: left });
      continue;
    }
    const p = t.policy.refund;
    if (!p.allowed) return refuse('refund_not_allowed', `ticket ${t.id}: its product is not refundable`);
    if (!beforeCutoff(p.cutoff, c.now, c.slotStart))
      return refuse('refund_window_closed', `ticket ${t.id}: ${deadline('refunds', p.cutoff)}`);
    if (!p.partial && !c.wholeOrder)
      return refuse(
        'partial_refund_not_allowed',
        `ticket ${t.id}: its product refunds only the whole order's unused tickets together`,
      );
    const fee = feeOf(p.fee, t.price, left);
    out.push({ ticketId: t.id, fee, amount: left - fee });
  }
  return { ok: true, ...totals(out), tickets: out };
}

export interface RescheduleCase {
  now: Date;
  slotStart: Date;
  tickets: PolicyTicket[];
  /** reschedules the order has had so far */
  done: number;
}

export type RescheduleDecision = { ok: true; fee: number; free: boolean; tickets: TicketMoney[] } | Refusal;

/** Whether these tickets may move to another slot now, and the fee each then carries. */
export function decideReschedule(c: RescheduleCase): RescheduleDecision {
  const out: TicketMoney[] = [];
  let free = true;
  for (const t of c.tickets) {
    const p = t.policy.reschedule;
    if (!p.allowed)
      return refuse('reschedule_not_allowed', `ticket ${t.id}: its product cannot be rescheduled`);
    if (!beforeCutoff(p.cutoff, c.now, c.slotStart))
      return refuse('reschedule_window_closed', `ticket ${t.id}: ${deadline('reschedules', p.cutoff)}`);
    if (c.done >= p.maxCount)
      return refuse(
        'reschedule_limit_reached',
        `ticket ${t.id}: at most ${p.maxCount} reschedules per order`,
      );
    const left = Math.max(0, t.price - t.feeRetained);
    const fee = c.done >= p.freeCount ? feeOf(p.fee, t.price, left) : 0;
    if (c.done >= p.freeCount && p.fee) free = false;
    out.push({ ticketId: t.id, fee, amount: left - fee });
  }
  return { ok: true, fee: totals(out).fee, free, tickets: out };
}

const totals = (xs: TicketMoney[]) => ({
  amount: xs.reduce((s, x) => s + x.amount, 0),
  fee: xs.reduce((s, x) => s + x.fee, 0),
});

const refuse = (code: PolicyRefusal, message: string): Refusal => ({ ok: false, code, message });

function deadline(what: string, c: Cutoff): string {
  return c.kind === 'hours_before'
    ? `${what} close ${c.hours} hours before the time slot starts`
    : `${what} close when the time slot starts`;
}
