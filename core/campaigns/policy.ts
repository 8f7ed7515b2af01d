import { addDays, hhmmToMinutes, localTime, zonedInstant } from '../time.js';

/**
 * Whether one member is sent one campaign message now: an ordered chain of pure checks,
 * the first that objects wins (the model: operator/area/policies.ts). Consent is read at
 * send time, not when the campaign started, so a withdrawal in between stops the send.
 */
export interface SendFacts {
  erased: boolean;
  consent: boolean;
  /** messages of any campaign of the area sent to the member within the limit's period */
  sentInPeriod: number;
  perMember: { count: number; days: number };
  quietHours: { from: string; to: string } | null;
  timezone: string;
  now: Date;
}

export type SendDecision =
  | { action: 'send' }
  | { action: 'skip'; reason: 'erased' | 'no_consent' | 'send_limit' }
  | { action: 'defer'; reason: 'quiet_hours'; until: Date };

type Check = (f: SendFacts) => Exclude<SendDecision, { action: 'send' }> | undefined;

const CHECKS: readonly Check[] = [
  (f) => (f.erased ? { action: 'skip', reason: 'erased' } : undefined),
  (f) => (f.consent ? undefined : { action: 'skip', reason: 'no_consent' }),
  (f) => (f.sentInPeriod >= f.perMember.count ? { action: 'skip', reason: 'send_limit' } : undefined),
  (f) => {
    const until = f.quietHours && quietUntil(f.quietHours, f.timezone, f.now);
    return until ? { action: 'defer', reason: 'quiet_hours', until } : undefined;
  },
];

export function sendDecision(f: SendFacts): SendDecision {
  for (const c of CHECKS) {
    const d = c(f);
    if (d) return d;
  }
  return { action: 'send' };
}

/**
 * When the quiet hours `now` falls in end (area time), or undefined outside them. A span
 * whose `from` is after its `to` (21:00–09:00) runs over midnight.
 */
export function quietUntil(q: { from: string; to: string }, timezone: string, now: Date): Date | undefined {
  const from = hhmmToMinutes(q.from);
  const to = hhmmToMinutes(q.to);
  const { date, minute } = localTime(now, timezone);
  const inside = from <= to ? minute >= from && minute < to : minute >= from || minute < to;
  if (!inside) return undefined;
  // the end is today when it is still ahead of the local time, else tomorrow
  return zonedInstant(minute < to ? date : addDays(date, 1), q.to, timezone);
}
