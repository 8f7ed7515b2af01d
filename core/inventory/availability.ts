import type { AreaConfig, Channel } from '../catalog/catalog.js';
import type { CapacityLevel } from './events.js';
import type { DaySnapshot } from './inventory.js';
import { isClosed } from '../catalog/closures.js';

export interface SlotAvailability {
  slotId: string;
  startsAt: string;
  endsAt: string;
  capacity: number;
  /** what this channel can still sell in this slot */
  remaining: number;
  soldOut: boolean;
}

export interface DayAvailability {
  areaId: string;
  date: string;
  level: CapacityLevel;
  /** yellow and above: purchase pages say "almost full" */
  almostFull: boolean;
  /** the area does not open this day (core/catalog/closures.ts): nothing sells */
  closed: boolean;
  /** what this channel can still sell that day over all slots */
  remaining: number;
  slots: SlotAvailability[];
}

/** What a channel can still sell, from the live counters (same limits as the Lua check). */
export function availability(
  area: AreaConfig,
  date: string,
  snap: DaySnapshot,
  channel: Channel,
  pausedByHand: boolean,
): DayAvailability {
  const initialised = snap.initialised;
  const dayLimit =
    channel.kind === 'online'
      ? initialised
        ? snap.limits.orange
        : Math.floor((area.dailyCapacity * area.thresholds.orange) / 100)
      : initialised
        ? snap.limits.red
        : Math.floor((area.dailyCapacity * area.thresholds.red) / 100);
  const onlineClosed = channel.kind === 'online' && (snap.level === 'orange' || snap.level === 'red');
  const quota = snap.channels[channel.id]?.quota ?? area.quotas.get(channel.id) ?? null;
  const quotaLeft = quota === null ? Infinity : quota - (snap.channels[channel.id]?.used ?? 0);
  const closed = isClosed(area.closures, date);
  const dayLeft =
    closed || !channel.enabled || pausedByHand || onlineClosed
      ? 0
      : Math.max(0, Math.min(dayLimit - snap.used, quotaLeft));
  const slots = area.slots.map((s) => {
    const used = snap.slots[s.id]?.used ?? 0;
    const remaining = Math.max(0, Math.min(s.capacity - used, dayLeft));
    return {
      slotId: s.id,
      startsAt: s.startsAt,
      endsAt: s.endsAt,
      capacity: s.capacity,
      remaining,
      soldOut: remaining === 0,
    };
  });
  return {
    areaId: area.id,
    date,
    level: snap.level,
    almostFull: snap.level !== 'green',
    closed,
    remaining: dayLeft,
    slots,
  };
}
