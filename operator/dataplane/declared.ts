import type { DeclaredFields } from '../../core/catalog/declared.js';

/** The declared fields before core validates them (a product's terms are checked there: a bad one is `InvalidDeclaration`). */
export type DeclaredFieldsInput = Omit<DeclaredFields, 'products'> & { products?: unknown[] };
import type { ResolvedArea } from '../api/defaults.js';

/**
 * What a ScenicArea declares, in the catalog's terms (ADR 0010): capacity, time slots,
 * thresholds, each declared channel's quota, zones and their diversion (issue 21). Optional parts the spec leaves out
 * (instantaneous capacity, time slots, channels) are not declared: the catalog keeps its
 * own. Pure.
 */
export function declaredFieldsOf(a: ResolvedArea): DeclaredFieldsInput {
  const s = a.spec;
  return {
    timezone: a.timezone,
    dailyCapacity: s.capacity.daily,
    ...(s.capacity.instantaneous !== undefined ? { instantCapacity: s.capacity.instantaneous } : {}),
    thresholds: { ...a.thresholds },
    ...(s.timeSlots?.length
      ? {
          slots: s.timeSlots.map((t) => ({
            id: t.name,
            startsAt: t.start,
            endsAt: t.end,
            capacity: t.capacity,
          })),
        }
      : {}),
    ...(s.closures
      ? { closures: { weekdays: s.closures.weekdays ?? [], dates: s.closures.dates ?? [] } }
      : {}),
    ...(s.channels ? { channels: s.channels.map((c) => ({ id: c.name, quota: c.quota ?? null })) } : {}),
    ...(s.zones
      ? {
          zones: s.zones.map((z) => ({
            id: z.name,
            name: { zh: z.title.zh, en: z.title.en },
            capacity: z.capacity,
            entrances: z.entrances ?? [],
            counters: z.counters ?? [],
          })),
        }
      : {}),
    ...(s.diversion
      ? {
          diversion: {
            pairs: s.diversion.pairs ?? [],
            signage: s.diversion.signage ?? [],
            divertAt: s.diversion.divertAt ?? 'orange',
            hysteresisPct: s.diversion.hysteresisPct ?? 10,
            minHoldSeconds: s.diversion.minHoldSeconds ?? 300,
          },
        }
      : {}),
    ...(s.products ? { products: s.products.map((p) => ({ ...p })) } : {}),
  };
}
