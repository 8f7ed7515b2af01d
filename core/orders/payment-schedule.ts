/**
 * When the worker asks a provider again. Pure, so the schedule is tested on its own.
 *
 * Payments: a lost notification must not lose a sale, so a pending payment is asked
 * about soon after it is created, then less often (doubling, at most every two minutes),
 * and always once more shortly before its hold expires; the expiry itself closes it at
 * the provider (core/orders/payment-sync.ts).
 *
 * Refunds: one the provider accepted is polled until final (waiting as long as it is
 * old, from 5 s, at most every 10 minutes); one it refused, or that could not be sent, is sent again with
 * exponential backoff (from 30 s, at most hourly), each refund on its own schedule, so a
 * stuck refund never holds back the others.
 */
export const FIRST_QUERY_AFTER_MS = 15_000;
export const MAX_QUERY_INTERVAL_MS = 120_000;
/** the last query before the hold expires */
export const LAST_QUERY_BEFORE_EXPIRY_MS = 20_000;

export function firstQueryAt(now: Date, expiresAt: Date): Date {
  return nextQueryAt(now, expiresAt, 0);
}

/** After `attempts` queries that found the payment still pending. */
export function nextQueryAt(now: Date, expiresAt: Date | null, attempts: number): Date {
  const wait = Math.min(FIRST_QUERY_AFTER_MS * 2 ** attempts, MAX_QUERY_INTERVAL_MS);
  const at = now.getTime() + wait;
  if (!expiresAt) return new Date(at);
  const last = expiresAt.getTime() - LAST_QUERY_BEFORE_EXPIRY_MS;
  // before the last query: never beyond it; past it: at the expiry, when the hold job closes it
  if (now.getTime() < last) return new Date(Math.min(at, last));
  return new Date(Math.max(now.getTime() + 1_000, Math.min(at, expiresAt.getTime())));
}

export const REFUND_POLL_FIRST_MS = 5_000;
export const REFUND_POLL_MAX_MS = 600_000;
export const REFUND_RETRY_FIRST_MS = 30_000;
export const REFUND_RETRY_MAX_MS = 3_600_000;

/** The next poll of a refund the provider is processing, `ageMs` after it was booked: as long again (doubling). */
export function nextRefundPollAt(now: Date, ageMs: number): Date {
  return new Date(now.getTime() + Math.min(Math.max(ageMs, REFUND_POLL_FIRST_MS), REFUND_POLL_MAX_MS));
}

/** The next attempt of a refund refused or not sent, after `attempts` attempts. */
export function nextRefundAttemptAt(now: Date, attempts: number): Date {
  return new Date(
    now.getTime() + Math.min(REFUND_RETRY_FIRST_MS * 2 ** Math.max(0, attempts - 1), REFUND_RETRY_MAX_MS),
  );
}
