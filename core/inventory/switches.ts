import type { Redis } from 'ioredis';
import { eventsChannel, type ChannelSwitchEvent } from './events.js';
import { switchesKey } from './keys.js';

/**
 * Manual pause/resume of a sales channel for an area. The reservation script reads
 * this hash in the same atomic step that sells, so a pause takes effect at the very
 * next sale. `redis` must be a connection created with `keyPrefix: prefix`.
 */
export async function setChannelPaused(
  redis: Redis,
  opts: {
    prefix: string;
    areaId: string;
    channelId: string;
    paused: boolean;
    actor: string;
    reason: string;
    now: number;
  },
): Promise<void> {
  const key = switchesKey(opts.areaId);
  const event: ChannelSwitchEvent = {
    type: 'channel-switch',
    areaId: opts.areaId,
    channelId: opts.channelId,
    paused: opts.paused,
    actor: opts.actor,
    reason: opts.reason,
    at: opts.now,
  };
  const m = redis.multi();
  if (opts.paused) m.hset(key, opts.channelId, 'paused');
  else m.hdel(key, opts.channelId);
  m.publish(eventsChannel(opts.prefix), JSON.stringify(event));
  await m.exec();
}

/** Channels of an area paused by hand. */
export async function pausedChannels(redis: Redis, areaId: string): Promise<string[]> {
  const all = await redis.hgetall(switchesKey(areaId));
  return Object.entries(all)
    .filter(([, v]) => v === 'paused')
    .map(([k]) => k);
}
