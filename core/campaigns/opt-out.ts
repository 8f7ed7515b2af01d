import type { Knex } from 'knex';
import { timingSafeEqual } from 'node:crypto';
import { inputError } from '../errors.js';
import type { PiiVault } from '../pii/crypto.js';
import { systemActor } from '../orders/model.js';
import { accountByMemberNo, accountByPhoneHash, setMarketingConsent } from '../members/accounts.js';

/**
 * Opting out of campaigns (issue 22): every message carries an unsubscribe link, and an
 * SMS reply of 退订 / TD / unsubscribe (what Chinese carriers require campaign SMS to
 * honour) does the same — the member's marketing consent is withdrawn, which the
 * campaigns worker reads before each send. The link's token is derived from the member
 * number with the lookup key, so it need not be stored and cannot be guessed.
 */
const PURPOSE = 'campaign-unsubscribe';

export const unsubscribeToken = (vault: PiiVault, memberNo: string) => vault.derive(PURPOSE, memberNo);

export function unsubscribeLink(vault: PiiVault, baseUrl: string, memberNo: string): string {
  const u = new URL('/v1/members/unsubscribe', baseUrl);
  u.searchParams.set('m', memberNo);
  u.searchParams.set('t', unsubscribeToken(vault, memberNo));
  return u.toString();
}

/** Withdraws consent through a link; a wrong token is refused (it names no one). */
export async function unsubscribeByLink(
  db: Knex,
  vault: PiiVault,
  memberNo: string,
  token: string,
  now: Date,
): Promise<void> {
  const want = Buffer.from(unsubscribeToken(vault, memberNo));
  const got = Buffer.from(token);
  const a = await accountByMemberNo(db, memberNo);
  if (!a || want.length !== got.length || !timingSafeEqual(want, got))
    throw inputError('unsubscribe_link_invalid', 'this unsubscribe link is not valid');
  await setMarketingConsent(db, systemActor('unsubscribe-link'), a, false, now);
}

const STOP_WORDS = /^\s*(退订|td|t|unsubscribe|stop|n)\s*$/i;

/** Pure: whether an SMS reply asks to stop. */
export const isStopReply = (text: string) => STOP_WORDS.test(text);

/** An SMS reply (the provider's inbound callback): a stop word withdraws the sender's consent. */
export async function handleSmsReply(
  db: Knex,
  vault: PiiVault,
  phone: string,
  text: string,
  now: Date,
): Promise<{ unsubscribed: boolean }> {
  if (!isStopReply(text)) return { unsubscribed: false };
  const a = await accountByPhoneHash(db, vault.lookupHash('phone', phone));
  if (!a) return { unsubscribed: false };
  await setMarketingConsent(db, { kind: 'visitor', id: a.phone_hash ?? a.id }, a, false, now);
  return { unsubscribed: true };
}
