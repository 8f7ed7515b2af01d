import type { PriceStep } from './price.js';

/**
 * Dynamic (crowd-forecast) pricing of one unit: base × factor, held within the product's
 * floor and ceiling. Off unless the product enables it; the factor comes from
 * `core/forecast` (per area, day and slot) and is passed in, so this stays pure. It is
 * the first step after the base price: channel prices and discounts apply to the moved
 * price, and a channel with a fixed own price keeps it.
 */
export interface DynamicBounds {
  enabled: boolean;
  /** minor units: the lowest unit price the factor may reach */
  floor: number;
  /** minor units: the highest */
  ceiling: number;
}

/** The dynamic step of a unit price, or undefined when it does not apply. */
export function dynamicStep(
  basePrice: number,
  bounds: DynamicBounds | null | undefined,
  factorBps: number | undefined,
): PriceStep | undefined {
  if (!bounds?.enabled || factorBps === undefined) return undefined;
  const moved = Math.floor((basePrice * factorBps + 5000) / 10000);
  const unitPrice = Math.min(bounds.ceiling, Math.max(bounds.floor, moved));
  return { rule: 'dynamic', label: `crowd factor ${(factorBps / 10000).toFixed(2)}`, unitPrice };
}
