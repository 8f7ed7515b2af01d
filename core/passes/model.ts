import { z } from 'zod';

/**
 * A pass product's rules (issue 18), as the admin API declares them for a product of kind
 * `annual_pass` (`PUT /v1/admin/areas/:areaId/products/:productId/pass`). The price, the
 * refund policy (core/policies) and the product's entrances stay the product's.
 */
const date = z.iso.date();

export const ENTRY_RULES = ['once_a_day', 'unlimited'] as const;
export type EntryRule = (typeof ENTRY_RULES)[number];

export const PassTerms = z
  .object({
    /** days a pass (and each renewal) is valid, counting its first day */
    validityDays: z.number().int().min(1).max(366).default(365),
    /** `once_a_day`: one counted entry per local day; `unlimited`: every entry admits */
    entryRule: z.enum(ENTRY_RULES).default('once_a_day'),
    /** days the pass does not admit at all */
    blackoutDates: z.array(date).max(366).default([]),
    /**
     * Busy days: the holder must book a free slot (which takes stock like any ticket) to
     * enter. Declared dates, and weekdays (0 = Sunday) in the area's zone.
     */
    busy: z
      .object({
        dates: z.array(date).max(366).default([]),
        weekdays: z.array(z.number().int().min(0).max(6)).max(7).default([]),
      })
      .strict()
      .default({ dates: [], weekdays: [] }),
    /** the gate shows the holder to the priority lane */
    priorityLane: z.boolean().default(false),
    /**
     * What a used pass refunds: `pro_rata` the days not yet begun (then the product's refund
     * policy fee), `none` nothing (refused as used). An unused pass refunds under the policy.
     */
    usedRefund: z.enum(['pro_rata', 'none']).default('pro_rata'),
  })
  .strict();
export type PassTerms = z.output<typeof PassTerms>;

/** What the gate knows of a pass on one day, as the manifest and the online check-in give it. */
export interface PassDay {
  entryRule: EntryRule;
  priorityLane: boolean;
  /** why the pass does not admit on that day, if it does not */
  blocked: 'blackout_date' | 'booking_required' | null;
}

/** Whether `date` is a busy day of the terms (`weekday`: that date's, 0 = Sunday). */
export function isBusyDay(t: PassTerms, date: string): boolean {
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
  return t.busy.dates.includes(date) || t.busy.weekdays.includes(weekday);
}

/** The pass's day at the gate: blackout first, then a busy day without a booking. */
export function passDay(t: PassTerms, date: string, booked: boolean): PassDay {
  const blocked = t.blackoutDates.includes(date)
    ? 'blackout_date'
    : isBusyDay(t, date) && !booked
      ? 'booking_required'
      : null;
  return { entryRule: t.entryRule, priorityLane: t.priorityLane, blocked };
}

/** The last day of a validity of `days` days starting on `from` (YYYY-MM-DD). */
export function lastDay(from: string, days: number): string {
  const d = new Date(`${from}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days - 1);
  return d.toISOString().slice(0, 10);
}

/** Days from `a` to `b` (YYYY-MM-DD), `b` − `a`. */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

/**
 * The part of a used pass's price that is spent, pro rata by the days begun (today
 * included), of its whole validity. At least one day once used, at most the price.
 */
export function spentValue(price: number, validFrom: string, validUntil: string, today: string): number {
  const total = daysBetween(validFrom, validUntil) + 1;
  const begun = Math.min(total, Math.max(1, daysBetween(validFrom, today) + 1));
  return Math.min(price, Math.ceil((price * begun) / total));
}

/**
 * Which admitted entries of a pass count (by time order): once a day, the first of each
 * local day; unlimited, every one. The rest are over the limit (double entries for staff).
 */
export function countedPassEntries(
  entries: readonly { scan_id: string; local_date: string }[],
  rule: EntryRule,
): string[] {
  if (rule === 'unlimited') return entries.map((e) => e.scan_id);
  const days = new Set<string>();
  const out: string[] = [];
  for (const e of entries)
    if (!days.has(e.local_date)) {
      days.add(e.local_date);
      out.push(e.scan_id);
    }
  return out;
}
