import type { Redis } from '../redis/client.js';
import type { Catalog, Channel } from '../catalog/catalog.js';
import type { Clock } from '../clock.js';
import type { Inventory } from '../inventory/inventory.js';
import { availability, type DayAvailability } from '../inventory/availability.js';
import { pausedChannels } from '../inventory/switches.js';
import { quote } from '../pricing/price.js';
import { viewPolicy, type PolicyView } from '../policies/describe.js';

/**
 * What a channel is offered: an area's products with the channel's own prices per time
 * slot (from the one pricing function, so a partner sees exactly what it will be charged),
 * and what the channel can still sell (the same limits the reservation script applies).
 */
export interface ChannelOffer {
  areaId: string;
  date: string;
  channelId: string;
  currency: string;
  products: {
    productId: string;
    name: string;
    kind: string;
    persons: number;
    basePrice: number;
    /** the refund and reschedule policy every channel enforces (issue 18) */
    policy: PolicyView;
    prices: {
      slotId: string;
      startsAt: string;
      endsAt: string;
      unitPrice: number;
      /** issue 22: the price an order naming a member pays (partners that sell to members) */
      memberUnitPrice?: number;
    }[];
  }[];
}

export async function channelOffer(
  catalog: Catalog,
  clock: Clock,
  channel: Channel,
  areaId: string,
  date: string,
  /** issue 22: the day's crowd factors by slot (products with dynamic pricing move with them) */
  factors: ReadonlyMap<string, number> = new Map(),
  opts: { sellsToMembers?: boolean } = {},
): Promise<ChannelOffer> {
  const area = await catalog.area(areaId);
  const now = clock.now();
  const products = [...area.products.values()].map((p) => ({
    productId: p.id,
    name: p.name,
    kind: p.kind,
    persons: p.persons,
    basePrice: p.basePrice,
    policy: viewPolicy(p.policy),
    prices: area.slots.map((s) => {
      const item = { productId: p.id, basePrice: p.basePrice, quantity: 1, dynamic: p.dynamicPricing };
      const priceFor = (member: boolean) =>
        quote([item], {
          factorBps: factors.get(s.id),
          channelId: channel.id,
          channelDiscountBps: channel.discountBps,
          date,
          slotStart: s.startsAt,
          member,
          now,
          rules: area.rules,
          coupons: [],
        }).total;
      const price = { slotId: s.id, startsAt: s.startsAt, endsAt: s.endsAt, unitPrice: priceFor(false) };
      return opts.sellsToMembers ? { ...price, memberUnitPrice: priceFor(true) } : price;
    }),
  }));
  return { areaId, date, channelId: channel.id, currency: 'CNY', products };
}

export async function channelAvailability(
  catalog: Catalog,
  inventory: Inventory,
  redis: Redis,
  channel: Channel,
  areaId: string,
  date: string,
): Promise<DayAvailability> {
  const area = await catalog.area(areaId);
  const [snap, paused] = await Promise.all([inventory.snapshot(areaId, date), pausedChannels(redis, areaId)]);
  return availability(area, date, snap, channel, paused.includes(channel.id));
}
