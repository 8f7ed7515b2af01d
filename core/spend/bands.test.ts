import { describe, expect, it } from 'vitest';
import { spendBand } from './bands.js';

describe('spend bands', () => {
  it.each([
    [0, 'none'],
    [-5, 'none'],
    [1, 'low'],
    [9_999, 'low'],
    [10_000, 'mid'],
    [29_999, 'mid'],
    [30_000, 'high'],
    [1_000_000, 'high'],
  ] as const)('%i fen is %s', (fen, band) => {
    expect(spendBand(fen)).toBe(band);
  });
});
