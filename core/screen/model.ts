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

/** An alert firing now (core/screen/alerts.ts), as the screen shows it. */
export interface ScreenAlert {
  /** Alertmanager's fingerprint @ startsAt: one alert instance */
  id: string;
  /** the rule's `alertname` */
  name: string;
  severity: 'info' | 'warning' | 'critical';
  /** the rule's `summary` annotation (English) */
  summary: string;
  /** its `summary_zh` annotation, when the rule has one */
  summaryZh: string | null;
  /** when it started firing, ISO 8601 */
  since: string;
}

/** A zone's occupancy (zones inside one park). */
export interface ZoneHeat {
  zoneId: string;
  name: { zh: string; en: string };
  inZone: number;
  /** the zone's instantaneous capacity */
  capacity: number;
  /** inZone against capacity, whole percent */
  pct: number;
  /** by the area's thresholds, like the park's */
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
   * Alerts firing now for this area or the whole platform, most severe first, as the
   * alert relay recorded Alertmanager's notifications (core/screen/alerts.ts); a resolved
   * one leaves at the next snapshot.
   */
  alerts: ScreenAlert[];
  /** Zone heat: each declared zone's occupancy and level (core/zones/), in declared order. */
  zones: ZoneHeat[];
}
