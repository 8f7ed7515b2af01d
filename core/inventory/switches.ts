import type { Redis } from '../redis/client.js';
import { eventsChannel, type ChannelSwitchEvent } from './events.js';
import { switchesKey } from './keys.js';

/**
 * The channel switches of an area, one Redis hash `sw:{area}` that the reservation script
 * reads in the same atomic step that sells (a pause takes effect at the very next sale).
 * Two writers, two kinds of field, so neither undoes the other (ADR 0010):
 *
 * - `<channelId>` = 'paused': the declared switch, written by the operator from the
 *   ScenicArea (a spec pause, a windowed channel outside its windows), level-triggered;
 * - `@<channelId>` = JSON {actor, reason, at}: a manual override by staff (the admin API,
 *   the console), kept until staff resume it; the operator only reports it. `@` is in no
 *   channel id.
 *
 * A channel is paused when either field is there. `redis` must be a connection created
 * with `keyPrefix: prefix`.
 */
export const overrideField = (channelId: string) => `@${channelId}`;

export interface ManualOverride {
  channelId: string;
  actor: string;
  reason: string;
  /** ms since epoch */
  at: number;
}

interface SwitchOptions {
  prefix: string;
  areaId: string;
  channelId: string;
  paused: boolean;
  actor: string;
  reason: string;
  now: number;
}

const publishSwitch = (m: ReturnType<Redis['multi']>, o: SwitchOptions, manual: boolean) => {
  const event: ChannelSwitchEvent = {
    type: 'channel-switch',
    areaId: o.areaId,
    channelId: o.channelId,
    paused: o.paused,
    actor: o.actor,
    reason: o.reason,
    at: o.now,
    ...(manual ? { manual: true } : {}),
  };
  m.publish(eventsChannel(o.prefix), JSON.stringify(event));
};

/** The declared switch of a channel (the operator's). */
export async function setChannelPaused(redis: Redis, opts: SwitchOptions): Promise<void> {
  const key = switchesKey(opts.areaId);
  const m = redis.multi();
  if (opts.paused) m.hset(key, opts.channelId, 'paused');
  else m.hdel(key, opts.channelId);
  publishSwitch(m, opts, false);
  await m.exec();
}

/**
 * A manual pause (an override that stays until resumed) or its resume. `clearDeclared`:
 * the area is declared by no resource, so a plain switch left by an older release's admin
 * pause is cleared by the resume too.
 */
export async function setManualPause(
  redis: Redis,
  opts: SwitchOptions & { clearDeclared: boolean },
): Promise<void> {
  const key = switchesKey(opts.areaId);
  const m = redis.multi();
  if (opts.paused)
    m.hset(
      key,
      overrideField(opts.channelId),
      JSON.stringify({ actor: opts.actor, reason: opts.reason, at: opts.now }),
    );
  else {
    m.hdel(key, overrideField(opts.channelId));
    if (opts.clearDeclared) m.hdel(key, opts.channelId);
  }
  publishSwitch(m, opts, true);
  await m.exec();
}

export interface Switches {
  /** channels the declared switch pauses */
  declared: Set<string>;
  overrides: ManualOverride[];
}

/** Both kinds of switch of an area. */
export async function readSwitches(redis: Redis, areaId: string): Promise<Switches> {
  const all = await redis.hgetall(switchesKey(areaId));
  const out: Switches = { declared: new Set(), overrides: [] };
  for (const [k, v] of Object.entries(all)) {
    if (!k.startsWith('@')) {
      if (v === 'paused') out.declared.add(k);
      continue;
    }
    let o: Partial<ManualOverride> = {};
    try {
      o = JSON.parse(v) as Partial<ManualOverride>;
    } catch {
      /* a hand-written value: still an override */
    }
    out.overrides.push({
      channelId: k.slice(1),
      actor: typeof o.actor === 'string' ? o.actor : 'unknown',
      reason: typeof o.reason === 'string' ? o.reason : '',
      at: typeof o.at === 'number' ? o.at : 0,
    });
  }
  out.overrides.sort((a, b) => (a.channelId < b.channelId ? -1 : 1));
  return out;
}

/** Channels of an area that do not sell now, whichever switch paused them. */
export async function pausedChannels(redis: Redis, areaId: string): Promise<string[]> {
  const s = await readSwitches(redis, areaId);
  return [...new Set([...s.declared, ...s.overrides.map((o) => o.channelId)])].sort();
}
