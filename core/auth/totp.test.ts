import { describe, expect, it } from 'vitest';
import { base32Decode, base32Encode, hotp, otpauthUri, totpStep, verifyTotp } from './totp.js';

// RFC 4226 appendix D and RFC 6238 appendix B (SHA-1 key "12345678901234567890")
const KEY = Buffer.from('12345678901234567890');
const KEY_B32 = base32Encode(KEY);

describe('TOTP (RFC 6238) and HOTP (RFC 4226)', () => {
  it.each([
    [0, '755224'],
    [1, '287082'],
    [2, '359152'],
    [3, '969429'],
    [4, '338314'],
    [5, '254676'],
    [6, '287922'],
    [7, '162583'],
    [8, '399871'],
    [9, '520489'],
  ])('HOTP counter %i is %s', (c, code) => {
    expect(hotp(KEY, c)).toBe(code);
  });

  it.each([
    [59, '94287082'],
    [1111111109, '07081804'],
    [1111111111, '14050471'],
    [1234567890, '89005924'],
    [2000000000, '69279037'],
    [20000000000, '65353130'],
  ])('TOTP at %i s is %s (8 digits)', (t, code) => {
    expect(hotp(KEY, totpStep(new Date(t * 1000)), 8)).toBe(code);
  });

  it('accepts the previous, current and next step, and never a used step again', () => {
    const now = new Date(1_700_000_000_000);
    const s = totpStep(now);
    for (const d of [-1, 0, 1]) expect(verifyTotp(KEY_B32, hotp(KEY, s + d), now)).toBe(s + d);
    expect(verifyTotp(KEY_B32, hotp(KEY, s + 2), now)).toBeUndefined();
    expect(verifyTotp(KEY_B32, hotp(KEY, s), now, s)).toBeUndefined();
    expect(verifyTotp(KEY_B32, hotp(KEY, s + 1), now, s)).toBe(s + 1);
    expect(verifyTotp(KEY_B32, '12345', now)).toBeUndefined();
  });

  it('round-trips base32 and builds the otpauth URI authenticator apps read', () => {
    expect(KEY_B32).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
    expect(base32Decode(KEY_B32)).toEqual(KEY);
    expect(otpauthUri('Scenic', 'alice', KEY_B32)).toBe(
      'otpauth://totp/Scenic%3Aalice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Scenic&algorithm=SHA1&digits=6&period=30',
    );
  });
});
