import type { Knex } from 'knex';
import type { AreaConfig, Channel } from '../catalog/catalog.js';
import type { DaySnapshot } from '../inventory/inventory.js';
import { notFound } from '../errors.js';
import { localParts } from '../time.js';
import type { Redis } from '../redis/client.js';
import type { CapacityLevel, LevelChangeEvent } from '../inventory/events.js';
import { systemActor, type Actor } from '../orders/model.js';
import { audit } from '../audit/store.js';
import { outbox } from '../outbox/store.js';

/**
 * The channel registry: every sales door (web, mini-program, each partner `ota:<id>`, box
 * office, kiosk, handheld) is a row of `channels` (kind, on/off, commission, discount,
 * selling hours), with per-area quotas and price rules in the area catalog. This module
 * answers "can channel X sell in area A on day D right now, and if not why", and switches
 * channels on and off with an audit entry and an outbox event (`channel.switched`).
 * Pauses per area (`core/inventory/switches.ts`) and capacity levels are read, not owned.
 */
export type ChannelBlock =
  'disabled' | 'paused' | 'outside_hours' | 'level_orange' | 'level_red' | 'quota_reached';

export interface ChannelState {
  channelId: string;
  name: string;
  kind: Channel['kind'];
  enabled: boolean;
  pausedByHand: boolean;
  commissionBps: number;
  discountBps: number;
  sellsFrom: string | null;
  sellsUntil: string | null;
  quota: number | null;
  used: number;
  /** empty when the channel is selling */
  blockedBy: ChannelBlock[];
  selling: boolean;
}

/** Pure: the effective state of every channel for an area-day at an instant. */
export function channelStates(
  area: AreaConfig,
  snap: DaySnapshot,
  channels: readonly Channel[],
  paused: ReadonlySet<string>,
  now: Date,
): ChannelState[] {
  const time = localParts(now, area.timezone).time;
  return channels.map((c) => {
    const quota = snap.channels[c.id]?.quota ?? area.quotas.get(c.id) ?? null;
    const used = snap.channels[c.id]?.used ?? 0;
    const blockedBy: ChannelBlock[] = [];
    if (!c.enabled) blockedBy.push('disabled');
    if (paused.has(c.id)) blockedBy.push('paused');
    if ((c.sellsFrom && time < c.sellsFrom) || (c.sellsUntil && time >= c.sellsUntil))
      blockedBy.push('outside_hours');
    if (snap.level === 'red') blockedBy.push('level_red');
    else if (snap.level === 'orange' && c.kind === 'online') blockedBy.push('level_orange');
    if (quota !== null && used >= quota) blockedBy.push('quota_reached');
    return {
      channelId: c.id,
      name: c.name,
      kind: c.kind,
      enabled: c.enabled,
      pausedByHand: paused.has(c.id),
      commissionBps: c.commissionBps,
      discountBps: c.discountBps,
      sellsFrom: c.sellsFrom,
      sellsUntil: c.sellsUntil,
      quota,
      used,
      blockedBy,
      selling: blockedBy.length === 0,
    };
  });
}

/** Switches a channel on or off everywhere (audited, published through the outbox). */
export async function setChannelEnabled(
  db: Knex,
  actor: Actor,
  channelId: string,
  enabled: boolean,
  reason: string,
): Promise<void> {
  await db.transaction(async (trx) => {
    const n = await trx('channels').where({ id: channelId }).update({ enabled });
    if (!n) throw notFound('unknown_channel', `no channel ${channelId}`);
    await audit(
      trx,
      actor,
      enabled ? 'scenic.channel.enabled' : 'scenic.channel.disabled',
      `channel:${channelId}`,
      { reason },
    );
    await outbox(trx, 'channel.switched', channelId, { channelId, enabled, reason });
  });
}

/** Pure: which channels a capacity level change closes and which it reopens. */
export function levelEffect(
  channels: readonly Channel[],
  previous: CapacityLevel,
  level: CapacityLevel,
): { closed: string[]; reopened: string[] } {
  const open = (c: Channel, l: CapacityLevel) => l !== 'red' && !(l === 'orange' && c.kind === 'online');
  const closed = channels
    .filter((c) => c.enabled && open(c, previous) && !open(c, level))
    .map((c) => c.id)
    .sort();
  const reopened = channels
    .filter((c) => c.enabled && !open(c, previous) && open(c, level))
    .map((c) => c.id)
    .sort();
  return { closed, reopened };
}

/**
 * Records a capacity level change in the audit trail with the channels it closed or
 * reopened. Every worker replica hears the event; a Redis claim lets one write it.
 */
export async function auditLevelChange(
  db: Knex,
  redis: Redis,
  e: LevelChangeEvent,
  channels: readonly Channel[],
): Promise<boolean> {
  const first = await redis.set(
    `lvl-audit:{${e.areaId}}:${e.date}:${e.at}:${e.level}`,
    '1',
    'EX',
    86_400,
    'NX',
  );
  if (!first) return false;
  const { closed, reopened } = levelEffect(channels, e.previous, e.level);
  await audit(db, systemActor('capacity-level'), 'scenic.channel.level_changed', `${e.areaId}/${e.date}`, {
    level: e.level,
    previous: e.previous,
    used: e.used,
    capacity: e.capacity,
    closed,
    reopened,
    at: new Date(e.at).toISOString(),
  });
  return true;
}
