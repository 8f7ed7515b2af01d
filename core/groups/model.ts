import { z } from 'zod';

/**
 * A group product's terms (issue 18): the party sizes it sells and its price per person by
 * party size (the tier with the largest `fromPersons` not above the party's size applies).
 * A group buys one ticket (one QR) of `persons` units, with a leader (name and phone) and
 * each member's name; the gate admits n of N and records the rest as no-shows.
 */
export const GroupTerms = z
  .object({
    minPersons: z.number().int().min(2).max(100),
    maxPersons: z.number().int().min(2).max(100),
    tiers: z
      .array(z.object({ fromPersons: z.number().int().min(1).max(100), unitPrice: z.number().int().min(0) }))
      .min(1)
      .max(10),
  })
  .strict()
  .superRefine((g, ctx) => {
    if (g.minPersons > g.maxPersons)
      ctx.addIssue({ code: 'custom', path: ['maxPersons'], message: 'below minPersons' });
    const from = g.tiers.map((t) => t.fromPersons);
    if (from.some((f, i) => i > 0 && f <= from[i - 1]!))
      ctx.addIssue({ code: 'custom', path: ['tiers'], message: 'fromPersons must increase' });
    if (from[0]! > g.minPersons)
      ctx.addIssue({ code: 'custom', path: ['tiers', 0, 'fromPersons'], message: 'must cover minPersons' });
  });
export type GroupTerms = z.output<typeof GroupTerms>;

/** The price per person for a party of `persons` (pure). */
export function tierPrice(g: GroupTerms, persons: number): number {
  let price = g.tiers[0]!.unitPrice;
  for (const t of g.tiers) if (t.fromPersons <= persons) price = t.unitPrice;
  return price;
}
