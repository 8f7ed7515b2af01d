import { z } from 'zod';
import { DomainError, conflict, notAllowed, unauthenticated } from '../errors.js';
import type { StaffAccountRow } from '../db/tables.js';
import type { Actor } from '../orders/model.js';
import { audit } from '../audit/store.js';
import { SECOND_FACTOR_ROLES } from './roles.js';
import { accountActorId, accountByLogin, accountView, loadAccount, type AccountView } from './accounts.js';
import { burnVerification, hashPassword, needsRehash, verifyPassword } from './passwords.js';
import { confirmSecondFactor, createSession, type NewSession } from './staff-sessions.js';
import { newTotpSecret, otpauthUri, verifyTotp } from './totp.js';
import type { AuthDeps } from './deps.js';

/**
 * Signing in: a login (username or e-mail) and password, then — for an account with a
 * second factor — a TOTP code in the same request. Repeated failures lock the account
 * (`maxFailures` in a row lock it for `lockMs`, even against the right password) and
 * throttle the address they come from (`addressFailures` over every account within
 * `lockMs`), so neither one password against many accounts nor many against one works.
 * A wrong code counts as a failure, a missing one does not (the form asks for it).
 */
export const SignInInput = z.object({
  login: z.string().trim().min(1).max(254),
  password: z.string().min(1).max(1024),
  totp: z
    .string()
    .regex(/^\d{6}$/)
    .optional(),
});
export type SignInInput = z.output<typeof SignInInput>;

export interface SignedIn extends NewSession {
  account: AccountView;
  /** `passed`; `enrolment_required`: the role needs a second factor and has none yet — this
   * session may only enrol one (`POST /v1/staff/totp`); `not_required` */
  secondFactor: 'passed' | 'enrolment_required' | 'not_required';
}

const ISSUER = 'Scenic';
const addressKey = (address: string) => `signin-fail:${address}`;

async function addressThrottled(d: AuthDeps, address: string): Promise<boolean> {
  const n = Number((await d.redis.get(addressKey(address))) ?? 0);
  return n >= d.policy.addressFailures;
}

async function noteAddressFailure(d: AuthDeps, address: string): Promise<void> {
  await d.redis.multi().incr(addressKey(address)).pexpire(addressKey(address), d.policy.lockMs, 'NX').exec();
}

/** Counts a failure on the account; the one that reaches the limit locks it. */
async function noteAccountFailure(d: AuthDeps, row: StaffAccountRow): Promise<void> {
  const now = d.clock.now();
  await d.db.transaction(async (trx) => {
    const [r] = await trx('staff_accounts')
      .where({ id: row.id })
      .increment('failed_sign_ins', 1)
      .returning(['failed_sign_ins']);
    if (r && r.failed_sign_ins >= d.policy.maxFailures) {
      await trx('staff_accounts')
        .where({ id: row.id })
        .update({ failed_sign_ins: 0, locked_until: new Date(now.getTime() + d.policy.lockMs) });
      await audit(trx, { kind: 'system', id: 'sign-in' }, 'scenic.account.locked', `account:${row.id}`, {
        minutes: Math.round(d.policy.lockMs / 60_000),
      });
    }
  });
}

const locked = (row: StaffAccountRow, now: Date) => row.locked_until !== null && row.locked_until > now;

function lockedError(row: StaffAccountRow, now: Date): DomainError {
  const seconds = Math.ceil((row.locked_until!.getTime() - now.getTime()) / 1000);
  return new DomainError('rate-limited', 'account_locked', 'too many failed sign-ins; try again later', {
    retryAfterSeconds: seconds,
  });
}

/** Checks the code of an enrolled account, or throws (a wrong one counts as a failure). */
async function checkTotp(d: AuthDeps, row: StaffAccountRow, code: string | undefined, address: string) {
  if (!code) throw unauthenticated('totp_required', 'enter the 6-digit code from your authenticator app');
  const step = verifyTotp(d.vault.decrypt(row.totp_secret_enc!), code, d.clock.now(), row.totp_last_step);
  if (step === undefined) {
    await Promise.all([noteAccountFailure(d, row), noteAddressFailure(d, address)]);
    throw unauthenticated('totp_invalid', 'wrong or already used code');
  }
  // a code works once, even within its 30 seconds
  const n = await d
    .db('staff_accounts')
    .where({ id: row.id })
    .andWhere((q) => void q.whereNull('totp_last_step').orWhere('totp_last_step', '<', step))
    .update({ totp_last_step: step });
  if (!n) throw unauthenticated('totp_invalid', 'wrong or already used code');
}

export async function signIn(
  d: AuthDeps,
  input: SignInInput,
  client: { address: string; userAgent?: string | null },
): Promise<SignedIn> {
  const now = d.clock.now();
  if (await addressThrottled(d, client.address))
    throw new DomainError('rate-limited', 'sign_in_throttled', 'too many failed sign-ins from this address', {
      retryAfterSeconds: Math.ceil(d.policy.lockMs / 1000),
    });
  const row = await accountByLogin(d.db, input.login);
  if (!row || !row.password_hash) {
    await burnVerification(input.password);
    await noteAddressFailure(d, client.address);
    throw unauthenticated('bad_credentials', 'wrong login or password');
  }
  if (locked(row, now)) throw lockedError(row, now);
  if (!(await verifyPassword(row.password_hash, input.password))) {
    await Promise.all([noteAccountFailure(d, row), noteAddressFailure(d, client.address)]);
    throw unauthenticated('bad_credentials', 'wrong login or password');
  }
  if (row.status !== 'active') throw unauthenticated('account_disabled', 'this account is disabled');
  const enrolled = row.totp_enabled_at !== null;
  if (enrolled) await checkTotp(d, row, input.totp, client.address);
  const required = SECOND_FACTOR_ROLES.includes(row.role);
  await d
    .db('staff_accounts')
    .where({ id: row.id })
    .update({
      failed_sign_ins: 0,
      locked_until: null,
      last_sign_in_at: now,
      ...(needsRehash(row.password_hash) ? { password_hash: await hashPassword(input.password) } : {}),
    });
  const session = await createSession(
    d.db,
    { accountId: row.id, secondFactor: enrolled, address: client.address, userAgent: client.userAgent },
    now,
    d.policy,
  );
  await audit(
    d.db,
    { kind: 'staff', id: accountActorId(row.username) },
    'scenic.session.created',
    `account:${row.id}`,
    {
      sessionId: session.id,
      secondFactor: enrolled,
    },
  );
  return {
    ...session,
    account: accountView(await loadAccount(d.db, row.id)),
    secondFactor: enrolled ? 'passed' : required ? 'enrolment_required' : 'not_required',
  };
}

/**
 * Starts a TOTP enrolment for the signed-in account: a new secret (sealed, pending until a
 * code confirms it) and the `otpauth://` URI the console shows as a QR code.
 */
export async function startTotpEnrolment(
  d: AuthDeps,
  actor: Actor,
): Promise<{ secret: string; otpauthUri: string }> {
  if (!actor.accountId)
    throw notAllowed('sign_in_required', 'sign in with an account to enrol a second factor');
  const row = await loadAccount(d.db, actor.accountId);
  if (row.totp_enabled_at)
    throw conflict(
      'totp_already_enrolled',
      'a second factor is enrolled; an admin resets it if the device is lost',
    );
  const secret = newTotpSecret();
  await d
    .db('staff_accounts')
    .where({ id: row.id })
    .update({ totp_pending_enc: d.vault.encrypt(secret) });
  return { secret, otpauthUri: otpauthUri(ISSUER, row.username, secret) };
}

/** Confirms the pending secret with a code from the app; this session counts as having passed it. */
export async function confirmTotpEnrolment(d: AuthDeps, actor: Actor, code: string): Promise<AccountView> {
  if (!actor.accountId || !actor.sessionId)
    throw notAllowed('sign_in_required', 'sign in with an account to enrol a second factor');
  const row = await loadAccount(d.db, actor.accountId);
  if (row.totp_enabled_at) throw conflict('totp_already_enrolled', 'a second factor is already enrolled');
  if (!row.totp_pending_enc)
    throw conflict('totp_not_enrolled', 'start the enrolment first (POST /v1/staff/totp)');
  const secret = d.vault.decrypt(row.totp_pending_enc);
  const step = verifyTotp(secret, code, d.clock.now());
  if (step === undefined) throw unauthenticated('totp_invalid', 'wrong code; check the time on your phone');
  const now = d.clock.now();
  await d.db.transaction(async (trx) => {
    await trx('staff_accounts').where({ id: row.id }).update({
      totp_secret_enc: row.totp_pending_enc,
      totp_pending_enc: null,
      totp_enabled_at: now,
      totp_last_step: step,
      updated_at: now,
    });
    await confirmSecondFactor(trx, actor.sessionId!);
    await audit(trx, actor, 'scenic.account.second_factor_enrolled', `account:${row.id}`);
  });
  return accountView(await loadAccount(d.db, row.id));
}
