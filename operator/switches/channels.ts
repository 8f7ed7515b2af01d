import type { CapacityLevel } from '../../core/inventory/events.js';
import { closeLevelOf, type ResolvedArea } from '../api/defaults.js';
import type { ChannelStatus, LevelStatus } from '../api/types.js';

/** Why a channel is in its state: CamelCase, stable, reused as Event reasons. */
export const ChannelReason = {
  Selling: 'Selling',
  InSalesWindow: 'InSalesWindow',
  ManualPause: 'ManualPause',
  OutsideSalesWindow: 'OutsideSalesWindow',
  CapacityReached: 'CapacityReached',
} as const;

const RANK: Record<CapacityLevel, number> = { green: 0, yellow: 1, orange: 2, red: 3 };
export const levelRank = (l: CapacityLevel) => RANK[l];

/** What the operator pushes to the data plane for one channel: paused or not, and why. */
export interface DesiredSwitch {
  channel: string;
  paused: boolean;
  reason: string;
}

/**
 * The manual switches of an area's declared channels: paused when the spec pauses it
 * (the override wins until removed) or when it is windowed and no window listing it is
 * open. Level-based closing is not a switch: the data plane enforces thresholds itself at
 * the sale that crosses them (with its own hysteresis), so the operator never flips
 * channels on levels and cannot make them flap.
 */
export function desiredSwitches(
  area: ResolvedArea,
  openWindowChannels: ReadonlySet<string>,
): DesiredSwitch[] {
  return (area.spec.channels ?? []).map((c) => {
    if (c.paused)
      return { channel: c.name, paused: true, reason: c.pauseReason ?? 'paused in the ScenicArea spec' };
    if (c.windowed && !openWindowChannels.has(c.name))
      return { channel: c.name, paused: true, reason: 'outside its sales windows' };
    return {
      channel: c.name,
      paused: false,
      reason: c.windowed ? 'sales window open' : 'not paused in the ScenicArea spec',
    };
  });
}

/** Each channel's effective state today and why, for the ScenicArea status. */
export function channelStates(
  area: ResolvedArea,
  levels: LevelStatus[],
  openWindowChannels: ReadonlySet<string>,
  today: string,
): ChannelStatus[] {
  return (area.spec.channels ?? []).map((c) => {
    const closeAt = closeLevelOf(c);
    const closedDates = levels
      .filter((l) => levelRank(l.level) >= RANK[closeAt])
      .map((l) => l.date)
      .sort();
    const todayLevel = levels.find((l) => l.date === today);
    const base = { name: c.name, ...(closedDates.length ? { closedDates } : {}) };
    if (c.paused)
      return {
        ...base,
        state: 'Paused',
        reason: ChannelReason.ManualPause,
        message: c.pauseReason ?? 'paused in the ScenicArea spec',
      };
    if (c.windowed && !openWindowChannels.has(c.name))
      return {
        ...base,
        state: 'Closed',
        reason: ChannelReason.OutsideSalesWindow,
        message: 'sells only while one of its SalesWindows is open',
      };
    if (todayLevel && levelRank(todayLevel.level) >= RANK[closeAt])
      return {
        ...base,
        state: 'Closed',
        reason: ChannelReason.CapacityReached,
        message: `${today} is at ${todayLevel.level}; this channel closes at ${closeAt} (${area.thresholds[closeAt]}%)`,
      };
    return {
      ...base,
      state: 'Open',
      reason: c.windowed ? ChannelReason.InSalesWindow : ChannelReason.Selling,
      message: closedDates.length ? `closed on ${closedDates.join(', ')} by capacity` : 'selling',
    };
  });
}
