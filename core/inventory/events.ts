import type { Redis } from '../redis/client.js';

/**
 * Capacity levels of an area-day and the events that announce their changes.
 * The level is computed by the reservation Lua script in the same atomic step that
 * sells, and published from inside it, so every consumer (operator, dashboards,
 * alerting, API replicas) hears about it at the exact sale that crossed a threshold.
 */
export const LEVELS = ['green', 'yellow', 'orange', 'red'] as const;
export type CapacityLevel = (typeof LEVELS)[number];

export interface LevelChangeEvent {
  type: 'capacity-level';
  areaId: string;
  date: string; // YYYY-MM-DD
  level: CapacityLevel;
  previous: CapacityLevel;
  used: number;
  capacity: number;
  at: number; // ms since epoch
}

export interface ChannelSwitchEvent {
  type: 'channel-switch';
  areaId: string;
  channelId: string;
  paused: boolean;
  actor: string;
  reason: string;
  at: number;
  /** a staff override (core/inventory/switches.ts), not the declared switch */
  manual?: boolean;
}

/** A slot became full (or had stock again): replicas cache "sold out" answers from it. */
export interface SlotStateEvent {
  type: 'slot-state';
  areaId: string;
  date: string;
  slotId: string;
  soldOut: boolean;
  at: number;
}

export type InventoryEvent = LevelChangeEvent | ChannelSwitchEvent | SlotStateEvent;

/** The pub/sub channel of inventory events. Pub/sub channels are not keys, so the
 * deployment's key prefix is added here explicitly. */
export const eventsChannel = (prefix: string) => `${prefix}inventory-events`;

export function parseInventoryEvent(message: string): InventoryEvent | undefined {
  try {
    const e = JSON.parse(message) as Partial<InventoryEvent>;
    if (e.type === 'capacity-level' || e.type === 'channel-switch' || e.type === 'slot-state')
      return e as InventoryEvent;
  } catch {
    /* not ours: ignored */
  }
  return undefined;
}

/**
 * Subscribes to inventory events on a dedicated connection (a subscribed Redis
 * connection can do nothing else). Returns a function that unsubscribes.
 */
export async function subscribeInventoryEvents(
  subscriber: Redis,
  prefix: string,
  onEvent: (e: InventoryEvent) => void,
): Promise<() => Promise<void>> {
  const channel = eventsChannel(prefix);
  const handler = (ch: string, msg: string) => {
    if (ch !== channel) return;
    const e = parseInventoryEvent(msg);
    if (e) onEvent(e);
  };
  subscriber.on('message', handler);
  await subscriber.subscribe(channel);
  return async () => {
    subscriber.off('message', handler);
    await subscriber.unsubscribe(channel);
  };
}
