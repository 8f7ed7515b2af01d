import { describe, expect, it } from 'vitest';
import { LoopLag, MAX_SHED_RETRY_SECONDS, Shedder } from './overload.js';

describe('Shedder', () => {
  it('starts above the threshold and stops only below half of it', () => {
    const lag = { ms: 0 };
    const s = new Shedder(lag, 40);
    const seen = [10, 39, 41, 30, 21, 19, 35, 45].map((ms) => {
      lag.ms = ms;
      return s.shedding;
    });
    expect(seen).toEqual([false, false, true, true, true, false, false, true]);
  });

  it('never sheds with a threshold of 0', () => {
    expect(new Shedder({ ms: 10_000 }, 0).shedding).toBe(false);
  });

  it('spreads Retry-After over 1–2 s at first, and wider (at most 10 s) the longer shedding lasts', () => {
    let now = 0;
    const lag = { ms: 100 };
    const s = new Shedder(lag, 40, () => now);
    const spread = () => new Set(Array.from({ length: 400 }, () => s.retryAfterSeconds()));
    expect(s.shedding).toBe(true);
    expect([...spread()].sort((a, b) => a - b)).toEqual([1, 2]);
    now = 6_000; // six seconds into the spell: 1–5 s
    expect([...spread()].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5]);
    now = 120_000; // a long spell: capped
    const long = spread();
    expect(Math.max(...long)).toBe(MAX_SHED_RETRY_SECONDS);
    expect(Math.min(...long)).toBe(1);
    // the loop recovers, and a new spell starts narrow again
    lag.ms = 10;
    expect(s.shedding).toBe(false);
    lag.ms = 100;
    expect(s.shedding).toBe(true);
    expect([...spread()].sort((a, b) => a - b)).toEqual([1, 2]);
  });
});

describe('LoopLag', () => {
  it('sees a blocked event loop while it is blocked, and forgets it once the loop turns again', async () => {
    const lag = new LoopLag(10).start();
    try {
      await new Promise((r) => setTimeout(r, 50));
      expect(lag.ms).toBeLessThan(40);
      const until = performance.now() + 80;
      while (performance.now() < until) {
        /* a handler hogging the loop */
      }
      expect(lag.ms).toBeGreaterThanOrEqual(60);
      await new Promise((r) => setTimeout(r, 300));
      expect(lag.ms).toBeLessThan(20);
    } finally {
      lag.stop();
    }
  });
});
