/**
 * Splitting an amount of money (integer fen) between parties by weights, so the parts
 * always add up to the amount exactly: each party gets the floor of its exact share, and
 * the fen left over go one each to the largest fractional remainders; a tie goes to the
 * party listed first. Deterministic: the same amount, weights and order give the same parts.
 * A negative amount (a refund) is split as its absolute value and negated, so a sale and
 * its full refund cancel to the fen for every party.
 */
export interface Weighted<P extends string = string> {
  party: P;
  weight: number;
}

export function splitAmount<P extends string>(amount: number, parties: readonly Weighted<P>[]): number[] {
  if (!Number.isSafeInteger(amount)) throw new RangeError(`amount ${amount} is not an integer of fen`);
  if (amount < 0) return splitAmount(-amount, parties).map((x) => (x === 0 ? 0 : -x));
  const total = parties.reduce((s, p) => s + p.weight, 0);
  if (!parties.length || total <= 0 || parties.some((p) => !Number.isSafeInteger(p.weight) || p.weight < 0))
    throw new RangeError('weights must be non-negative integers with a positive sum');
  // BigInt: amount × weight can pass 2^53 for large statements
  const a = BigInt(amount);
  const t = BigInt(total);
  const parts = parties.map((p) => (a * BigInt(p.weight)) / t);
  const rems = parties.map((p, i) => ({ i, r: (a * BigInt(p.weight)) % t }));
  let left = Number(a - parts.reduce((s, x) => s + x, 0n));
  rems.sort((x, y) => (x.r === y.r ? x.i - y.i : x.r > y.r ? -1 : 1));
  for (const { i } of rems) {
    if (left <= 0) break;
    parts[i]! += 1n;
    left--;
  }
  return parts.map(Number);
}
