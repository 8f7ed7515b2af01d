import type { CapacityLevel } from '../../core/inventory/events.js';
import { closeLevelOf, type ResolvedArea } from '../api/defaults.js';
import type { ChannelOverride, ChannelStatus, LevelStatus } from '../api/types.js';
import type { ManualOverride } from '../../core/inventory/switches.js';

/** Why a channel is in its state: CamelCase, stable, reused as Event reasons. */
export const ChannelReason = {
  Selling: 'Selling',
  InSalesWindow: 'InSalesWindow',
  ManualPause: 'ManualPause',
  ManualOverride: 'ManualOverride',
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

const overrideOf = (o: ManualOverride): ChannelOverride => ({
  by: o.actor,
  at: new Date(o.at).toISOString().replace(/\.\d{3}Z$/, 'Z'),
  reason: o.reason,
});

/**
 * Each channel's effective state today and why, for the ScenicArea status. A staff
 * override (a manual pause through the admin API or the console) is reported with who,
 * when and why, on a declared channel or not; it pauses the channel whatever the spec
 * says, and only staff lift it (ADR 0010).
 */
export function channelStates(
  area: ResolvedArea,
  levels: LevelStatus[],
  openWindowChannels: ReadonlySet<string>,
  today: string,
  overrides: readonly ManualOverride[] = [],
): ChannelStatus[] {
  const byChannel = new Map(overrides.map((o) => [o.channelId, o]));
  const declared = new Set((area.spec.channels ?? []).map((c) => c.name));
  const states = (area.spec.channels ?? []).map((c): ChannelStatus => {
    const s = declaredState(area, c, levels, openWindowChannels, today);
    const o = byChannel.get(c.name);
    if (!o) return s;
    // the spec's own pause stays the reason; the override is reported beside it
    return s.state === 'Paused'
      ? { ...s, override: overrideOf(o) }
      : {
          ...s,
          state: 'Paused',
          reason: ChannelReason.ManualOverride,
          message: overrideMessage(o),
          override: overrideOf(o),
        };
  });
  for (const o of overrides)
    if (!declared.has(o.channelId))
      states.push({
        name: o.channelId,
        state: 'Paused',
        reason: ChannelReason.ManualOverride,
        message: overrideMessage(o),
        override: overrideOf(o),
      });
  return states;
}

const overrideMessage = (o: ManualOverride) =>
  `paused by ${o.actor}${o.reason ? `: ${o.reason}` : ''} (resumed only by staff)`;

function declaredState(
  area: ResolvedArea,
  c: NonNullable<ResolvedArea['spec']['channels']>[number],
  levels: LevelStatus[],
  openWindowChannels: ReadonlySet<string>,
  today: string,
): ChannelStatus {
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
}
