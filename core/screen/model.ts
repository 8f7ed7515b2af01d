import type { CapacityLevel } from '../inventory/events.js';

/** Percentages of a capacity at which each level starts (the area's `thresholds`). */
export interface Thresholds {
  yellow: number;
  orange: number;
  red: number;
}

/** Gate openings of one entrance in one minute. */
export interface FlowMinute {
  /** start of the minute, ISO 8601 UTC */
  minute: string;
  entries: number;
  exits: number;
}

/** One entrance: its last minutes (oldest first, every minute present) and today's totals. */
export interface EntranceFlow {
  entranceId: string;
  minutes: FlowMinute[];
  entriesToday: number;
  exitsToday: number;
}

export interface SlotLevel {
  slotId: string;
  used: number;
  capacity: number;
  level: CapacityLevel;
}

export interface DayLevel {
  date: string;
  /** false when nothing was sold or set up for the day yet (no inventory in Redis) */
  initialised: boolean;
  used: number;
  capacity: number;
  level: CapacityLevel;
  slots: SlotLevel[];
}

export interface ChannelSales {
  channelId: string;
  /** valid tickets of the day sold through the channel (used or not yet used) */
  tickets: number;
}

/** An open alert shown on the screen. */
export interface ScreenAlert {
  id: string;
  severity: 'info' | 'warning' | 'critical';
  summary: string;
  since: string;
}

/** A zone's occupancy (zones inside one park). */
export interface ZoneHeat {
  zoneId: string;
  inZone: number;
  capacity: number;
  level: CapacityLevel;
}

/** What the crowd screen shows for one area-day. */
export interface ScreenSnapshot {
  areaId: string;
  areaName: string;
  /** the area's local date */
  date: string;
  /** when the snapshot was read, ISO 8601 */
  at: string;
  inPark: number;
  instantCapacity: number;
  /** inPark against instantCapacity, whole percent (0 when no capacity is set) */
  occupancyPct: number;
  /** the level of inPark against instantCapacity, by the area's thresholds */
  occupancyLevel: CapacityLevel;
  entriesToday: number;
  exitsToday: number;
  flowMinutes: number;
  entrances: EntranceFlow[];
  day: DayLevel;
  sales: ChannelSales[];
  /**
   * Open alerts. Alertmanager's notifications are relayed to robots and not stored
   * (api/alert-relay.ts), so the platform holds no open-alert source yet: always empty.
   */
  alerts: ScreenAlert[];
  /** Zone heat: each declared zone's occupancy and level (core/zones/), in declared order. */
  zones: ZoneHeat[];
}
