import type { Redis } from '../redis/client.js';
import { subscribeInventoryEvents } from './events.js';

/**
 * What this replica knows is sold out, from the inventory events every reservation
 * script publishes: a slot filling up, or the whole day reaching red. Answering
 * "sold out" from here costs no Redis or Postgres round trip; a wrong "not sold
 * out" only costs one reservation attempt, which the Lua script refuses anyway.
 */
export class SoldOutCache {
  private slots = new Set<string>();
  private days = new Set<string>();
  private stop: (() => Promise<void>) | undefined;

  isSoldOut(areaId: string, date: string, slotId: string): boolean {
    return this.days.has(`${areaId}|${date}`) || this.slots.has(`${areaId}|${date}|${slotId}`);
  }

  /** Records what a refused reservation just told us (before the event arrives). */
  markSlot(areaId: string, date: string, slotId: string): void {
    this.slots.add(`${areaId}|${date}|${slotId}`);
  }

  async start(subscriber: Redis, prefix: string): Promise<void> {
    this.stop = await subscribeInventoryEvents(subscriber, prefix, (e) => {
      if (e.type === 'slot-state') {
        const k = `${e.areaId}|${e.date}|${e.slotId}`;
        if (e.soldOut) this.slots.add(k);
        else this.slots.delete(k);
      } else if (e.type === 'capacity-level') {
        const k = `${e.areaId}|${e.date}`;
        if (e.level === 'red') this.days.add(k);
        else this.days.delete(k);
      }
    });
  }

  async close(): Promise<void> {
    await this.stop?.();
  }
}
