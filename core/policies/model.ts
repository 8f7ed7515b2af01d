import { z } from 'zod';

/**
 * A product's refund and reschedule policy (issue 18), as the ScenicArea's `spec.products`
 * or the admin API declares it. Money is in fen; a percent fee is in basis points of the
 * ticket's price. Every channel (visitor page, partner API, OCTO, box office, customer
 * service) asks the same pure functions of `decide.ts`, so the rule cannot differ by door.
 */
export const Fee = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('percent'), bps: z.number().int().min(1).max(10_000) }),
  z.object({ kind: z.literal('fixed'), amount: z.number().int().min(1).max(10_000_000) }),
]);
export type Fee = z.output<typeof Fee>;

/**
 * Until when the visitor may act: `slot_start` (not once the visit's time slot has begun),
 * `hours_before` (that many hours before it begins), `none` (until the ticket is used).
 */
export const Cutoff = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('none') }),
  z.object({ kind: z.literal('slot_start') }),
  z.object({ kind: z.literal('hours_before'), hours: z.number().int().min(1).max(720) }),
]);
export type Cutoff = z.output<typeof Cutoff>;

export const RefundPolicy = z
  .object({
    allowed: z.boolean().default(true),
    cutoff: Cutoff.default({ kind: 'none' }),
    /** kept from each refunded ticket's price; null: none */
    fee: Fee.nullable().default(null),
    /** some tickets of an order may be refunded alone; false: all the order's unused tickets together */
    partial: z.boolean().default(true),
  })
  .strict();
export type RefundPolicy = z.output<typeof RefundPolicy>;

export const ReschedulePolicy = z
  .object({
    allowed: z.boolean().default(true),
    cutoff: Cutoff.default({ kind: 'slot_start' }),
    /** reschedules of an order without a fee; later ones cost `fee` per ticket */
    freeCount: z.number().int().min(0).max(20).default(1),
    /** per ticket, once the free reschedules are used; null: always free */
    fee: Fee.nullable().default(null),
    /** reschedules an order may have at all */
    maxCount: z.number().int().min(0).max(20).default(5),
  })
  .strict()
  .refine((r) => r.freeCount <= r.maxCount, { message: 'freeCount exceeds maxCount', path: ['freeCount'] });
export type ReschedulePolicy = z.output<typeof ReschedulePolicy>;

export const ProductPolicy = z
  .object({ refund: RefundPolicy.default(RefundPolicy.parse({})), reschedule: ReschedulePolicy })
  .strict();
export type ProductPolicy = z.output<typeof ProductPolicy>;

/**
 * The policy of a product that declares none: what Scenic did before policies existed
 * (an unused ticket refunds in full until used; a reschedule only if the product says
 * `freeReschedule`, free and without limit of time before its slot ends).
 */
export function defaultPolicy(freeReschedule: boolean): ProductPolicy {
  return {
    refund: { allowed: true, cutoff: { kind: 'none' }, fee: null, partial: true },
    reschedule: {
      allowed: freeReschedule,
      cutoff: { kind: 'none' },
      freeCount: 20,
      fee: null,
      maxCount: 20,
    },
  };
}
