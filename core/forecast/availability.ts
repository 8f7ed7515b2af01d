import type { Knex } from 'knex';
import type { AreaConfig, Channel } from '../catalog/catalog.js';
import type { DayAvailability, SlotAvailability } from '../inventory/availability.js';
import { quote } from '../pricing/price.js';
import { slotFactors } from './factors.js';

/**
 * Availability with the price of each product per slot, as the one pricing function
 * quotes it for the channel (the crowd factor included where a product moves with it):
 * what the visitor's calendar and a partner's availability show is what a hold then
 * charges, until the factor moves.
 */
export interface SlotPrice {
  productId: string;
  unitPrice: number;
  /** the price moved with the slot's crowd factor */
  dynamic: boolean;
}

export type PricedSlot = SlotAvailability & {
  /** the slot's crowd factor in bps (null: none set, static prices) */
  factorBps: number | null;
  prices: SlotPrice[];
};

export type PricedDay = Omit<DayAvailability, 'slots'> & { slots: PricedSlot[] };

/** Pure: prices a day's availability with the day's factors. */
export function priceDay(
  area: AreaConfig,
  channel: Channel,
  day: DayAvailability,
  factors: ReadonlyMap<string, number>,
  now: Date,
  /** issue 22: a signed-in member sees (and pays) member prices */
  member = false,
): PricedDay {
  const products = [...area.products.values()];
  const slots = day.slots.map((s) => {
    const factorBps = factors.get(s.slotId);
    const prices = products.map((p) => {
      const q = quote([{ productId: p.id, basePrice: p.basePrice, quantity: 1, dynamic: p.dynamicPricing }], {
        channelId: channel.id,
        channelDiscountBps: channel.discountBps,
        date: day.date,
        slotStart: s.startsAt,
        member,
        now,
        rules: area.rules,
        coupons: [],
        factorBps,
      });
      return {
        productId: p.id,
        unitPrice: q.total,
        dynamic: q.lines[0]!.steps.some((st) => st.rule === 'dynamic'),
      };
    });
    return { ...s, factorBps: factorBps ?? null, prices };
  });
  return { ...day, slots };
}

/** {@link priceDay} with the day's factors read from the books. */
export async function pricedAvailability(
  db: Knex,
  area: AreaConfig,
  channel: Channel,
  day: DayAvailability,
  now: Date,
  member = false,
): Promise<PricedDay> {
  return priceDay(area, channel, day, await slotFactors(db, area.id, day.date), now, member);
}
