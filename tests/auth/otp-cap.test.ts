import { describe, expect, it } from 'vitest';
import { OTP_PHONE_GUESSES } from '../../core/auth/sessions.js';
import { useApi } from '../support/platform.js';

/**
 * #17.18, "OTP guessing has no per-phone lifetime cap": each code allowed five tries, but a
 * re-sent code started a fresh count, so a guesser got five tries a minute without end. Now
 * every guess for a phone counts, over all its codes, within a window (core/auth/sessions.ts).
 */
const t = useApi({ app: { rateLimits: false } });

/** the last code the SMS log shows for this phone */
function lastCode(phone: string): string {
  const masked = `${phone.slice(0, 3)}****${phone.slice(-4)}`;
  const line = t.logLines.findLast((l) => l.includes('sign-in code') && l.includes(masked));
  if (!line) throw new Error(`no code logged for ${masked}`);
  return /code: (\d{6})/.exec(line)![1]!;
}

/** a code that is not `code` */
const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

/** sends a fresh code as if the minute between re-sends had passed */
async function resend(phone: string): Promise<string> {
  await t.platform.redis.del(`otp-lock:${t.platform.vault.lookupHash('phone', phone)}`);
  const sent = await t.call('POST', '/v1/auth/otp', { body: { phone } });
  expect(sent.status, JSON.stringify(sent.body)).toBe(202);
  return lastCode(phone);
}

const guess = (phone: string, code: string) => t.call('POST', '/v1/auth/session', { body: { phone, code } });

describe('17.18 OTP guessing has no per-phone lifetime cap', () => {
  it('stops taking guesses for a phone after a bounded number of wrong codes across re-sent codes', async () => {
    const phone = '13900001801';
    // five wrong guesses per code (the per-code cap), then a re-sent code, until the phone's
    // budget is spent; the last code has had one wrong guess only
    let code = '';
    for (let wrongs = 0; wrongs < OTP_PHONE_GUESSES; wrongs++) {
      if (wrongs % 5 === 0 || wrongs === OTP_PHONE_GUESSES - 1) code = await resend(phone);
      const r = await guess(phone, wrong(code));
      expect(r.status).toBe(401);
      expect(r.body.code).toBe('otp_invalid');
    }
    // so its right code is well within its own five tries, and still refused
    const locked = await guess(phone, code);
    expect(locked.status).toBe(429);
    expect(locked.body.code).toBe('otp_locked');
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(60);
    // and no new code is sent while the phone is locked
    await t.platform.redis.del(`otp-lock:${t.platform.vault.lookupHash('phone', phone)}`);
    const again = await t.call('POST', '/v1/auth/otp', { body: { phone } });
    expect(again.status).toBe(429);
    expect(again.body.code).toBe('otp_locked');
  });

  it('counts guesses after the per-code cap deleted the code, too', async () => {
    const phone = '13900001802';
    const code = await resend(phone);
    for (let i = 0; i < OTP_PHONE_GUESSES; i++) expect((await guess(phone, wrong(code))).status).toBe(401);
    const r = await guess(phone, code);
    expect(r.status).toBe(429);
    expect(r.body.code).toBe('otp_locked');
  });

  it('a right code signs in and clears the count, so a few typos never lock a visitor out', async () => {
    const phone = '13900001803';
    for (let round = 0; round < 3; round++) {
      const code = await resend(phone);
      for (let i = 0; i < OTP_PHONE_GUESSES - 1 && i < 4; i++)
        expect((await guess(phone, wrong(code))).status).toBe(401);
      const ok = await guess(phone, code);
      expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    }
  });
});
