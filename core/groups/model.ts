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

/** A group's leader and members as bought (sealed at rest in `tickets.group_enc`). */
export interface GroupParty {
  leader: { name: string; phone: string };
  members: { name: string; idType: string; idNumber: string }[];
}

/** The party as gates, order views and reports show it: no full name, phone or ID number. */
export interface MaskedParty {
  size: number;
  leader: { name: string; phone: string };
  members: { name: string; idType: string; idNumber: string }[];
}

/** Masks a party (pure; the masks of core/pii). */
export function maskParty(
  p: GroupParty,
  mask: { name: (s: string) => string; phone: (s: string) => string; id: (s: string) => string },
): MaskedParty {
  return {
    size: p.members.length,
    leader: { name: mask.name(p.leader.name), phone: mask.phone(p.leader.phone) },
    members: p.members.map((m) => ({
      name: mask.name(m.name),
      idType: m.idType,
      idNumber: mask.id(m.idNumber),
    })),
  };
}

/**
 * Where a party stands: persons entered, and the rest as no-shows. Before the visit's day is
 * over the no-shows are provisional (a second scan may still admit them); `final` says the
 * day has ended and the count stands (refunds of no-shows, the daily report).
 */
export interface PartyAttendance {
  size: number;
  entered: number;
  noShows: number;
  final: boolean;
}

export function attendance(size: number, entered: number, visitDate: string, today: string): PartyAttendance {
  const e = Math.min(Math.max(entered, 0), size);
  return { size, entered: e, noShows: size - e, final: today > visitDate };
}
