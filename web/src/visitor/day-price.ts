import type { PricedDay } from '../lib/api.js';

/**
 * The lowest price of a day (fen) when the crowd forecast moves it (issue 22): over the
 * slots not sold out, of `productIds` (what the visitor chose) or else of the products
 * priced dynamically that day; null when none of them moves that day. It is what the
 * availability API quotes, which the hold then charges until the factor moves.
 */
export function dynamicFrom(
  a: PricedDay | Error | undefined,
  productIds: readonly string[] = [],
): number | null {
  if (!a || a instanceof Error || a.closed) return null;
  const all = a.slots.filter((s) => !s.soldOut).flatMap((s) => s.prices ?? []);
  const ids = productIds.length ? productIds : all.filter((p) => p.dynamic).map((p) => p.productId);
  const mine = all.filter((p) => ids.includes(p.productId));
  if (!mine.some((p) => p.dynamic)) return null;
  return Math.min(...mine.map((p) => p.unitPrice));
}

/** A short price for a calendar cell: whole yuan without decimals (a seventh of a phone's width). */
export const cellPrice = (fen: number): string =>
  fen % 100 === 0 ? `¥${fen / 100}` : `¥${(fen / 100).toFixed(2)}`;
