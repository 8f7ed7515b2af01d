import { describe, expect, it } from 'vitest';
import { ERROR_CODES, ERROR_TABLES, isErrorCode, kindsOf } from './error-codes.js';
import type { ErrorCode } from './errors.js';

describe('the closed set of error codes', () => {
  it('declares every code in one area table only', () => {
    const seen = new Map<string, string[]>();
    for (const [area, table] of Object.entries(ERROR_TABLES))
      for (const code of Object.keys(table)) seen.set(code, [...(seen.get(code) ?? []), area]);
    const twice = [...seen].filter(([, areas]) => areas.length > 1).map(([c, a]) => `${c}: ${a.join(', ')}`);
    expect(twice).toEqual([]);
    expect(Object.keys(ERROR_CODES).length).toBe(seen.size);
  });

  it('keeps codes in the public shape: snake_case, or OCTO upper case in the octo table', () => {
    for (const [area, table] of Object.entries(ERROR_TABLES))
      for (const code of Object.keys(table))
        expect(code, area).toMatch(area === 'octo' ? /^[A-Z][A-Z_]*$/ : /^[a-z][a-z0-9_]*$/);
  });

  it.each([
    ['order_not_found', ['not-found']],
    ['slot_sold_out', ['conflict']],
    ['id_checksum', ['input']],
    ['signature_invalid', ['authentication']],
    ['unknown_channel', ['not-found', 'input']],
  ] as const)('%s is declared with kinds %j', (code, kinds) => {
    expect(kindsOf(code)).toEqual(kinds);
  });

  it.each(['order_not_found', 'BAD_REQUEST', 'idempotency_key_reused'])('%s is a declared code', (c) => {
    expect(isErrorCode(c)).toBe(true);
  });

  it.each(['not_a_code', '', 'toString', 'internal'])('%j is not a declared code', (c) => {
    expect(isErrorCode(c)).toBe(false);
  });

  it('rejects an undeclared code at compile time', () => {
    // @ts-expect-error: not in any table
    const undeclared: ErrorCode = 'no_such_code';
    expect(isErrorCode(undeclared)).toBe(false);
  });
});
