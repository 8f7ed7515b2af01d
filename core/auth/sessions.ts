import { createHmac, hkdfSync, randomInt, timingSafeEqual } from 'node:crypto';
import type { Redis } from '../redis/client.js';
import type { SmsSender } from '../notify/sms.js';
import { DomainError, unauthenticated } from '../errors.js';

/**
 * Visitors sign in with their phone and a one-time SMS code, and get a session token
 * `vs1.<payload>.<mac>` (HMAC-SHA256, key derived from the lookup key) that names
 * them by the keyed hash of their phone, never the number itself.
 */
export class VisitorSessions {
  private readonly key: Buffer;
  constructor(
    lookupKey: string,
    private readonly ttlSeconds = 7 * 24 * 3600,
  ) {
    this.key = Buffer.from(hkdfSync('sha256', lookupKey, 'scenic', 'visitor-session-v1', 32));
  }

  issue(phoneHash: string, now: Date): string {
    const payload = Buffer.from(
      JSON.stringify({ sub: phoneHash, exp: Math.floor(now.getTime() / 1000) + this.ttlSeconds }),
    ).toString('base64url');
    return `vs1.${payload}.${this.mac(payload)}`;
  }

  /** Returns the phone hash of a valid, unexpired token. */
  verify(token: string, now: Date): string {
    const [v, payload, mac] = token.split('.');
    if (v !== 'vs1' || !payload || !mac) throw unauthenticated('bad_session', 'malformed session token');
    const want = Buffer.from(this.mac(payload));
    if (want.length !== mac.length || !timingSafeEqual(want, Buffer.from(mac)))
      throw unauthenticated('bad_session', 'session token does not verify');
    const p = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sub: string; exp: number };
    if (p.exp * 1000 < now.getTime())
      throw unauthenticated('session_expired', 'session expired; sign in again');
    return p.sub;
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }
}

const OTP_TTL = 300;
const OTP_RESEND = 60;
const OTP_ATTEMPTS = 5;
/**
 * Guesses a phone may make, over all its codes, within `OTP_GUESS_WINDOW` seconds. Re-sending a
 * code starts a fresh per-code count, so without this cap a guesser would get five tries a
 * minute for as long as it likes (17.18); with it, about twenty a day at most.
 */
export const OTP_PHONE_GUESSES = 10;
export const OTP_GUESS_WINDOW = 12 * 3600;

const guessKey = (phoneHash: string) => `otp-guesses:${phoneHash}`;

/** Refuses while the phone has used up its guesses; the answer says when it may try again. */
async function refuseIfLocked(redis: Redis, phoneHash: string, guesses: number): Promise<void> {
  if (guesses <= OTP_PHONE_GUESSES) return;
  const ttl = await redis.ttl(guessKey(phoneHash));
  throw new DomainError('rate-limited', 'otp_locked', 'too many wrong codes for this phone; try later', {
    retryAfterSeconds: ttl > 0 ? ttl : OTP_GUESS_WINDOW,
  });
}

/** Sends a 6-digit code; at most one per minute per phone, none while its guesses are used up. */
export async function requestOtp(
  redis: Redis,
  sms: SmsSender,
  phone: string,
  phoneHash: string,
): Promise<void> {
  await refuseIfLocked(redis, phoneHash, Number((await redis.get(guessKey(phoneHash))) ?? 0));
  const fresh = await redis.set(`otp-lock:${phoneHash}`, '1', 'EX', OTP_RESEND, 'NX');
  if (!fresh)
    throw new DomainError('rate-limited', 'otp_too_soon', 'a code was sent less than a minute ago', {
      retryAfterSeconds: OTP_RESEND,
    });
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  await redis
    .multi()
    .hset(`otp:${phoneHash}`, 'code', code, 'tries', 0)
    .expire(`otp:${phoneHash}`, OTP_TTL)
    .exec();
  await sms.send(phone, `Scenic sign-in code: ${code} (valid 5 minutes)`);
}

/**
 * Checks a code. Every attempt is counted before the comparison (atomically, so parallel
 * guesses cannot slip past the cap), per code and per phone; a right code clears both counts.
 */
export async function verifyOtp(redis: Redis, phoneHash: string, code: string): Promise<void> {
  const key = `otp:${phoneHash}`;
  const counted = await redis
    .multi()
    .incr(guessKey(phoneHash))
    .expire(guessKey(phoneHash), OTP_GUESS_WINDOW, 'NX')
    .exec();
  await refuseIfLocked(redis, phoneHash, Number(counted?.[0]?.[1] ?? Infinity));
  const tries = await redis.hincrby(key, 'tries', 1);
  const want = await redis.hget(key, 'code');
  if (!want) {
    await redis.del(key);
    throw unauthenticated('otp_invalid', 'no code was requested for this phone, or it expired');
  }
  if (tries > OTP_ATTEMPTS) {
    await redis.del(key);
    throw unauthenticated('otp_invalid', 'too many attempts; request a new code');
  }
  if (want.length !== code.length || !timingSafeEqual(Buffer.from(want), Buffer.from(code)))
    throw unauthenticated('otp_invalid', 'wrong code');
  // two commands, not one DEL: on a cluster the two keys live in different slots
  await Promise.all([redis.del(key), redis.del(guessKey(phoneHash))]);
}
