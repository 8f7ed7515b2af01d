import { describe, expect, it } from 'vitest';
import { queueStateOf } from './api.js';
import { idProblem } from '../visitor/visitor-fields.js';
import { addDays, todayIn, weekdayMon0 } from './dates.js';

const headers = (h: Record<string, string>) => ({ get: (n: string) => h[n.toLowerCase()] ?? null });

describe('queueStateOf', () => {
  it.each([
    [
      'waiting room',
      { 'retry-after': '4' },
      { position: 12, ahead: 3, retryAfterSeconds: 4 },
      { position: 12, ahead: 3, retryAfterSeconds: 4, retryAt: 5_000 },
    ],
    [
      'rate limiter',
      { 'retry-after': '30' },
      { code: 'rate_limited' },
      { position: null, ahead: null, retryAfterSeconds: 30, retryAt: 31_000 },
    ],
    [
      'no header',
      {},
      { retryAfterSeconds: 7 },
      { position: null, ahead: null, retryAfterSeconds: 7, retryAt: 8_000 },
    ],
    ['nothing at all', {}, {}, { position: null, ahead: null, retryAfterSeconds: 5, retryAt: 6_000 }],
  ])('%s', (_name, h, body, want) => {
    expect(queueStateOf({ headers: headers(h) }, body, 1_000)).toEqual(want);
  });
});

describe('idProblem (the server rule, in the browser)', () => {
  it.each([
    ['', null],
    ['11010519491231002X', null],
    ['110105194912310021', 'id_checksum'],
    ['990105194912310025', 'id_province'],
    ['1101051949', 'id_format'],
  ])('%s → %s', (idNumber, want) => {
    expect(
      idProblem({ productId: 'adult', name: 'x', idType: 'cn_resident', idNumber }, new Date('2026-01-01')),
    ).toBe(want);
  });
});

describe('dates', () => {
  it('counts days and weekdays in the area, not on the phone', () => {
    expect(addDays('2026-02-27', 2)).toBe('2026-03-01');
    expect(weekdayMon0('2026-11-23')).toBe(0);
    expect(todayIn('Asia/Shanghai', new Date('2026-11-22T17:30:00Z'))).toBe('2026-11-23');
  });
});
