import { describe, expect, it } from 'vitest';
import { splitAmount } from './split.js';

const w = (...ws: number[]) => ws.map((weight, i) => ({ party: `p${i}`, weight }));

describe('splitAmount', () => {
  it.each([
    [100, w(1, 1, 1), [34, 33, 33]],
    [101, w(1, 1, 1), [34, 34, 33]],
    [1, w(5000, 5000), [1, 0]],
    [9999, w(3333, 3333, 3334), [3333, 3333, 3333]],
    [0, w(1, 2), [0, 0]],
    [12_000, w(6000, 2500, 1500), [7200, 3000, 1800]],
  ])('%i over %j → %j (sums exactly, ties to the first)', (amount, parties, want) => {
    const got = splitAmount(amount, parties);
    expect(got).toEqual(want);
    expect(got.reduce((s, x) => s + x, 0)).toBe(amount);
  });

  it('a refund is the sale negated, part for part', () => {
    const parties = w(3, 3, 4);
    expect(splitAmount(-1001, parties)).toEqual(splitAmount(1001, parties).map((x) => -x));
  });

  it('every amount of a range sums exactly', () => {
    const parties = w(1234, 4321, 17, 4428);
    for (let a = 0; a < 3000; a += 7) expect(splitAmount(a, parties).reduce((s, x) => s + x, 0)).toBe(a);
  });

  it('refuses weights that cannot split', () => {
    expect(() => splitAmount(10, w(0, 0))).toThrow(RangeError);
    expect(() => splitAmount(10.5, w(1))).toThrow(RangeError);
  });
});
