/**
 * Spend bands (issue 22): what a visit, an order or a member spent inside the area, in
 * coarse bands so segments and reports speak of groups, not of amounts a person could be
 * recognised by. Bounds in fen, lower bound inclusive; `none` is "spent nothing inside".
 */
export const SPEND_BANDS = ['none', 'low', 'mid', 'high'] as const;
export type SpendBand = (typeof SPEND_BANDS)[number];

/** low: under ¥100; mid: ¥100 to under ¥300; high: ¥300 and more */
export const BAND_FLOORS_FEN: Readonly<Record<SpendBand, number>> = {
  none: 0,
  low: 1,
  mid: 10_000,
  high: 30_000,
};

/** Pure: the band of a net spend in fen (refunds taken off; never negative in the books). */
export function spendBand(netFen: number): SpendBand {
  if (netFen >= BAND_FLOORS_FEN.high) return 'high';
  if (netFen >= BAND_FLOORS_FEN.mid) return 'mid';
  if (netFen >= BAND_FLOORS_FEN.low) return 'low';
  return 'none';
}
