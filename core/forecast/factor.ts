/**
 * The price factor a forecast suggests, pure: from the expected load of a slot (forecast
 * visitors ÷ the slot's capacity) to a multiplier in basis points of the base price.
 * Quiet slots get cheaper to draw visitors from the peak, crowded ones dearer; each
 * product's floor and ceiling (the manager's) bound what a visitor really pays
 * (`core/pricing/dynamic.ts`).
 */
export interface FactorCurve {
  /** [load, bps] points, load ascending; flat before the first and after the last */
  points: readonly (readonly [number, number])[];
  /** the factor moves in steps of this many bps, so prices do not jitter */
  stepBps: number;
}

export const DEFAULT_FACTOR_CURVE: FactorCurve = {
  points: [
    [0.4, 8500],
    [0.75, 10000],
    [1.0, 13000],
  ],
  stepBps: 100,
};

/** The factor (bps, 10000 = the base price) for an expected load. */
export function factorForLoad(load: number, curve: FactorCurve = DEFAULT_FACTOR_CURVE): number {
  const pts = curve.points;
  let bps = pts[pts.length - 1]![1];
  if (load <= pts[0]![0]) bps = pts[0]![1];
  else
    for (let i = 1; i < pts.length; i++) {
      const [l0, b0] = pts[i - 1]!;
      const [l1, b1] = pts[i]!;
      if (load <= l1) {
        bps = b0 + ((load - l0) / (l1 - l0)) * (b1 - b0);
        break;
      }
    }
  return Math.round(bps / curve.stepBps) * curve.stepBps;
}
