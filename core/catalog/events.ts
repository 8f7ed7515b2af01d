import type { Redis } from '../redis/client.js';

/**
 * "An area's catalog changed": published after the commit of every catalog write (the
 * admin API, the operator's declared fields), heard by every replica of every role, which
 * drops its cached copy at once. The cache's time-to-live is only a backstop for a
 * message lost while a subscriber was disconnected (it also clears everything on
 * reconnect), so no replica sells from a catalog that changed more than a round trip ago.
 */
export interface CatalogChangedEvent {
  type: 'catalog-changed';
  /** null: every area (the sales channels, shared by all, changed) */
  areaId: string | null;
  at: number;
}

/** The pub/sub channel (channels are not keys: the deployment's prefix is added here). */
export const catalogChannel = (prefix: string) => `${prefix}catalog-events`;

/** Announces a change to every replica. `redis` may be any connection (channels carry no key prefix). */
export async function announceCatalogChange(
  redis: Redis,
  prefix: string,
  areaId: string | null,
  now: number,
): Promise<void> {
  const e: CatalogChangedEvent = { type: 'catalog-changed', areaId, at: now };
  await redis.publish(catalogChannel(prefix), JSON.stringify(e));
}

function parse(message: string): CatalogChangedEvent | undefined {
  try {
    const e = JSON.parse(message) as Partial<CatalogChangedEvent>;
    if (e.type === 'catalog-changed' && (typeof e.areaId === 'string' || e.areaId === null))
      return { type: e.type, areaId: e.areaId, at: Number(e.at) || 0 };
  } catch {
    /* not ours: ignored */
  }
  return undefined;
}

/**
 * Subscribes `subscriber` (a connection of its own: a subscribed connection does nothing
 * else) and calls `onChange` for each announced change, and with null whenever the
 * connection comes back after a drop (changes may have been missed meanwhile).
 * Resolves once subscribed; returns the function that unsubscribes.
 */
export async function followCatalogChanges(
  subscriber: Redis,
  prefix: string,
  onChange: (areaId: string | null) => void,
): Promise<() => Promise<void>> {
  const channel = catalogChannel(prefix);
  const onMessage = (ch: string, msg: string) => {
    if (ch !== channel) return;
    const e = parse(msg);
    if (e) onChange(e.areaId);
  };
  let dropped = false;
  const onClose = () => (dropped = true);
  const onReady = () => {
    if (dropped) onChange(null);
    dropped = false;
  };
  // A cluster client keeps its subscription on one node and moves it when that node goes
  // away, without a 'close' of its own: a node leaving may have cost messages too.
  const onNodeGone = () => onChange(null);
  subscriber.on('message', onMessage);
  subscriber.on('close', onClose);
  subscriber.on('ready', onReady);
  subscriber.on('-node', onNodeGone);
  await subscriber.subscribe(channel);
  return async () => {
    subscriber.off('message', onMessage);
    subscriber.off('close', onClose);
    subscriber.off('ready', onReady);
    subscriber.off('-node', onNodeGone);
    await subscriber.unsubscribe(channel);
  };
}
