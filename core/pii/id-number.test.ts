import { describe, expect, it } from 'vitest';
import { ageOn, checkIdDocument, checkResidentId, residentIdCheckChar } from './id-number.js';
import { maskIdNumber, maskPhone, redactText } from './mask.js';

const today = new Date('2026-07-01T00:00:00Z');
const valid = (first17: string) => first17 + residentIdCheckChar(first17);

describe('resident ID numbers (GB 11643)', () => {
  it('accepts the standard example and reads birth date and sex', () => {
    expect(checkResidentId('11010519491231002X', today)).toEqual({
      ok: true,
      normalised: '11010519491231002X',
      birthDate: '1949-12-31',
      sex: 'female',
      province: '11',
    });
    expect(checkResidentId(' 11010519491231002x ', today).ok).toBe(true);
  });

  it.each([
    ['too short', '1101051949123100', 'id_format'],
    ['letters', '11010519491231ABCX', 'id_format'],
    ['bad province', valid('99010519491231002'), 'id_province'],
    ['month 13', valid('11010519491331002'), 'id_birth_date'],
    ['30 February', valid('11010520000230002'), 'id_birth_date'],
    ['born in the future', valid('11010520300101002'), 'id_birth_date'],
    ['before 1900', valid('11010518991231002'), 'id_birth_date'],
    ['wrong check digit', '110105194912310021', 'id_checksum'],
  ])('refuses %s', (_n, id, reason) => {
    expect(checkResidentId(id, today)).toEqual({ ok: false, reason });
  });

  it('checks passports by format only', () => {
    expect(checkIdDocument('passport', 'E12345678', today).ok).toBe(true);
    expect(checkIdDocument('passport', 'E1-2', today)).toEqual({ ok: false, reason: 'id_format' });
  });

  it('computes age on the visit date', () => {
    expect(ageOn('2010-07-02', '2026-07-01')).toBe(15);
    expect(ageOn('2010-07-01', '2026-07-01')).toBe(16);
  });
});

describe('masking', () => {
  it('masks ID numbers and phones, alone and inside text', () => {
    expect(maskIdNumber('11010519491231002X')).toBe('1101**********002X');
    expect(maskPhone('13812345678')).toBe('138****5678');
    expect(redactText('visitor 11010519491231002X phone 13812345678 paid')).toBe(
      'visitor 1101**********002X phone 138****5678 paid',
    );
  });
});
