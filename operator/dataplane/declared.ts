import type { DeclaredFields } from '../../core/catalog/declared.js';
import type { ResolvedArea } from '../api/defaults.js';

/**
 * What a ScenicArea declares, in the catalog's terms (ADR 0010): capacity, time slots,
 * thresholds and each declared channel's quota. Optional parts the spec leaves out
 * (instantaneous capacity, time slots, channels) are not declared: the catalog keeps its
 * own. Pure.
 */
export function declaredFieldsOf(a: ResolvedArea): DeclaredFields {
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
    ...(s.channels ? { channels: s.channels.map((c) => ({ id: c.name, quota: c.quota ?? null })) } : {}),
  };
}
