import { describe, expect, it } from 'vitest';
import {
  LAST_QUERY_BEFORE_EXPIRY_MS,
  nextQueryAt,
  nextRefundAttemptAt,
  nextRefundPollAt,
} from './payment-schedule.js';

const t0 = new Date('2026-12-01T02:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);

describe('when a pending payment is asked about again', () => {
  const expires = at(15 * 60_000);
  it.each([
    [0, 15_000],
    [1, 30_000],
    [2, 60_000],
    [3, 120_000],
    [9, 120_000],
  ])('after %i queries: in %i ms', (n, wait) => {
    expect(nextQueryAt(t0, expires, n).getTime() - t0.getTime()).toBe(wait);
  });

  it('always once shortly before the hold expires, never past that while it is ahead', () => {
    const near = at(15 * 60_000 - LAST_QUERY_BEFORE_EXPIRY_MS - 5_000);
    expect(nextQueryAt(near, expires, 5)).toEqual(at(15 * 60_000 - LAST_QUERY_BEFORE_EXPIRY_MS));
  });

  it('past the last query: at the expiry at the latest, and never in the past', () => {
    const late = at(15 * 60_000 - 10_000);
    expect(nextQueryAt(late, expires, 5)).toEqual(expires);
    const after = at(16 * 60_000);
    expect(nextQueryAt(after, expires, 5).getTime()).toBeGreaterThan(after.getTime());
  });
});

describe('refund schedules', () => {
  it('polls an accepted refund sooner first (as long again as it is old), at most every ten minutes', () => {
    expect(nextRefundPollAt(t0, 0)).toEqual(at(5_000));
    expect(nextRefundPollAt(t0, 40_000)).toEqual(at(40_000));
    expect(nextRefundPollAt(t0, 86_400_000)).toEqual(at(600_000));
  });

  it('backs off a refused refund exponentially, at most hourly', () => {
    expect(nextRefundAttemptAt(t0, 1)).toEqual(at(30_000));
    expect(nextRefundAttemptAt(t0, 2)).toEqual(at(60_000));
    expect(nextRefundAttemptAt(t0, 4)).toEqual(at(240_000));
    expect(nextRefundAttemptAt(t0, 30)).toEqual(at(3_600_000));
  });
});
