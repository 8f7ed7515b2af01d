import { z } from 'zod';
import { isoWeekday } from '../time.js';

/**
 * Days an area does not open: weekly (a museum's Monday) and on given dates (a storm, a
 * maintenance day). A closed day sells nothing in any channel and shows as closed on every
 * calendar; tickets already sold for a day closed later are the staff's to move or refund.
 */
export const Closures = z
  .object({
    /** ISO weekdays: 1 = Monday … 7 = Sunday */
    weekdays: z
      .array(z.number().int().min(1).max(7))
      .max(6, 'an area closed every day of the week sells nothing: leave a day open')
      .default([])
      .refine((w) => new Set(w).size === w.length, 'each weekday once'),
    dates: z
      .array(z.iso.date())
      .max(366)
      .default([])
      .refine((d) => new Set(d).size === d.length, 'each date once'),
  })
  .strict();
export type Closures = z.output<typeof Closures>;

export const NO_CLOSURES: Closures = { weekdays: [], dates: [] };

/** Whether the area is closed on a local date (YYYY-MM-DD). */
export const isClosed = (c: Closures, date: string): boolean =>
  c.dates.includes(date) || c.weekdays.includes(isoWeekday(date));
