import { z } from 'zod';

/**
 * Who may travel on a concession ticket (issue 17 item 11). A product may declare an age
 * band, checked at sale against the birth date of a mainland resident ID (digits 7–14)
 * on the visit date, and what the gate's staff must still look at (a height, a student
 * card, a document showing the age). Products of the concession kinds that declare
 * nothing get the band of their kind (`eligibilityOf`), so a senior ticket is never sold
 * to a 30-year-old because an admin left the field out.
 */
export const STAFF_CHECKS = ['height', 'student_card', 'age_document', 'disability_card'] as const;
export type StaffCheck = (typeof STAFF_CHECKS)[number];

const age = z.number().int().min(0).max(150);

export const Eligibility = z
  .object({
    /** the traveller is at least this old (whole years) on the visit date */
    minAge: age.optional(),
    /** the traveller is younger than this (whole years) on the visit date */
    underAge: age.min(1).optional(),
    /** what the gate's staff check on the traveller; shown with the gate's answer */
    checks: z.array(z.enum(STAFF_CHECKS)).max(STAFF_CHECKS.length).default([]),
  })
  .strict()
  .refine((e) => e.minAge === undefined || e.underAge === undefined || e.minAge < e.underAge, {
    message: 'minAge must be below underAge',
    path: ['underAge'],
  });
export type Eligibility = z.output<typeof Eligibility>;

/**
 * The bands of the concession kinds when a product declares none: seniors 60 and over,
 * children under 18 (their height is the staff's to check: most areas price children by
 * height), students of any age with a student card.
 */
const KIND_DEFAULTS: Partial<Record<string, Eligibility>> = {
  senior: { minAge: 60, checks: [] },
  child: { underAge: 18, checks: ['height'] },
  student: { checks: ['student_card'] },
};

/** A product's band: its own, or its kind's; undefined when anyone may travel on it. */
export function eligibilityOf(p: {
  kind: string;
  eligibility?: Eligibility | null;
}): Eligibility | undefined {
  return p.eligibility ?? KIND_DEFAULTS[p.kind];
}

/** Whether a band limits age at all (then a document without a birth date is checked at the gate). */
export const hasAgeBand = (e: Eligibility | undefined): e is Eligibility =>
  e !== undefined && (e.minAge !== undefined || e.underAge !== undefined);

/** The band in words, for messages: "60 or over", "under 18", "6 to 17". */
export function describeBand(e: Eligibility): string {
  if (e.minAge !== undefined && e.underAge !== undefined) return `${e.minAge} to ${e.underAge - 1}`;
  if (e.minAge !== undefined) return `${e.minAge} or over`;
  return `under ${e.underAge ?? 0}`;
}

/** Whether an age in whole years is inside the band. */
export const inBand = (e: Eligibility, years: number) =>
  (e.minAge === undefined || years >= e.minAge) && (e.underAge === undefined || years < e.underAge);

/**
 * What the gate's staff must check for a ticket: the product's own checks, plus the
 * traveller's age on a document when the band limits age and the ticket's ID carries no
 * birth date (passports and permits: accepted at sale, checked at the gate).
 */
export function staffChecks(
  p: { kind: string; eligibility?: Eligibility | null },
  idType: string | null,
): StaffCheck[] {
  const e = eligibilityOf(p);
  if (!e) return [];
  const out = new Set<StaffCheck>(e.checks);
  if (hasAgeBand(e) && idType !== 'cn_resident') out.add('age_document');
  return [...out];
}
