import { describe, expect, it } from 'vitest';
import { fenToYuan, yuanToFen } from './money.js';
import { beijingDate, parseBeijingDateTime, toBeijingDateTime, toRfc3339Beijing } from './china-time.js';

describe('fen and yuan', () => {
  it.each([
    [0, '0.00'],
    [1, '0.01'],
    [1234, '12.34'],
    [100000, '1000.00'],
    [-250, '-2.50'],
  ])('fenToYuan(%i) = %s', (fen, yuan) => expect(fenToYuan(fen)).toBe(yuan));

  it.each([
    ['12.34', 1234],
    ['0.01', 1],
    ['7', 700],
    ['12.3', 1230],
    ['-0.06', -6],
    ['0.07000', 7],
    ['0.05940', 6], // WeChat fee with a fraction of a fen: half away from zero
    ['-0.05940', -6],
    ['0.00400', 0],
    ['1299.02', 129902],
    [' 9.90\t', 990],
  ])('yuanToFen(%j) = %i', (yuan, fen) => expect(yuanToFen(yuan)).toBe(fen));

  it.each(['', 'abc', '1.2.3', '1e3', '0.000001', 'NaN'])('yuanToFen(%j) is null', (t) =>
    expect(yuanToFen(t)).toBeNull(),
  );

  it('refuses a non-integer fen amount', () => expect(() => fenToYuan(1.5)).toThrow(RangeError));
});

describe('Beijing time', () => {
  const at = new Date('2026-12-01T16:30:05Z');
  it('formats in UTC+8', () => {
    expect(toRfc3339Beijing(at)).toBe('2026-12-02T00:30:05+08:00');
    expect(toBeijingDateTime(at)).toBe('2026-12-02 00:30:05');
    expect(beijingDate(at)).toBe('2026-12-02');
  });
  it('parses what it formats', () => {
    expect(parseBeijingDateTime('2026-12-02 00:30:05')?.toISOString()).toBe(at.toISOString());
    expect(parseBeijingDateTime('2026-12-02T00:30:05')).toBeNull();
  });
});
