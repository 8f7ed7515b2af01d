import type { MemberLevel, MemberRule } from './settings.js';

/** A member's counts over a rule's window, as the books show them at the event. */
export type Counts = Record<MemberRule['trigger'], number>;

/** Pure: the rules whose count is reached (each fires once per member; the caller records that). */
export function rulesReached(
  rules: readonly MemberRule[],
  countsFor: (r: MemberRule) => number,
): MemberRule[] {
  return rules.filter((r) => countsFor(r) >= r.count);
}

/** Pure: the highest level (the last one listed) reached by points or visits over the window. */
export function levelFor(
  levels: readonly MemberLevel[],
  window: { points: number; visits: number },
): string | null {
  let out: string | null = null;
  for (const l of levels) {
    const byPoints = l.minPoints !== null && window.points >= l.minPoints;
    const byVisits = l.minVisits !== null && window.visits >= l.minVisits;
    if (byPoints || byVisits) out = l.id;
  }
  return out;
}

/** Pure: the share of `whole` a part is worth, rounded down (what a partial refund gives back). */
export const shareOf = (whole: number, part: number, of: number): number =>
  of <= 0 ? 0 : Math.floor((whole * Math.min(part, of)) / of);
