import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Knex } from 'knex';
import { notFound, unauthenticated } from '../errors.js';
import { secretToken } from '../ids.js';
import type { StaffSessionRow } from '../db/tables.js';
import type { Actor } from '../orders/model.js';
import { audit } from '../audit/store.js';
import { scopeOf } from './api-keys.js';
import { accountActorId } from './accounts.js';
import type { AuthPolicy } from './deps.js';

/**
 * People's sessions: `ss1_<id>_<secret>`, sent as `Authorization: Bearer` (API use) or in
 * the console's HttpOnly cookie. Only the SHA-256 of the secret is stored. A session ends
 * when revoked, after `sessionIdleMs` without a request, or `sessionMaxMs` after sign-in;
 * every request reads the account again, so a disabled account or a changed role or
 * area takes effect at once.
 */
const sha = (s: string) => createHash('sha256').update(s).digest();
const TOKEN = /^ss1_([A-Za-z0-9]{12})_([A-Za-z0-9_-]{32})$/;
/** last_seen_at is written at most this often (a figure for idle expiry, not a log) */
const SEEN_EVERY_MS = 30_000;

export interface NewSession {
  id: string;
  /** shown once: the Bearer token, also the cookie's value */
  token: string;
  /** the value of `X-CSRF-Token` on every unsafe request that uses the cookie */
  csrfToken: string;
  expiresAt: Date;
}

/** The CSRF token of a session: derived from its secret, so nothing more is stored. */
export function csrfTokenOf(token: string): string | undefined {
  const m = TOKEN.exec(token);
  return m ? createHmac('sha256', m[2]!).update('scenic-csrf-v1').digest('base64url') : undefined;
}

export const sameToken = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

export async function createSession(
  db: Knex,
  s: { accountId: string; secondFactor: boolean; address?: string | null; userAgent?: string | null },
  now: Date,
  policy: Pick<AuthPolicy, 'sessionMaxMs'>,
): Promise<NewSession> {
  const id = secretToken(9).replace(/[-_]/g, 'x');
  const secret = secretToken(24);
  const expiresAt = new Date(now.getTime() + policy.sessionMaxMs);
  await db('staff_sessions').insert({
    id,
    account_id: s.accountId,
    secret_hash: sha(secret).toString('base64url'),
    second_factor: s.secondFactor,
    created_at: now,
    last_seen_at: now,
    expires_at: expiresAt,
    address: s.address?.slice(0, 64) ?? null,
    user_agent: s.userAgent?.slice(0, 200) ?? null,
  });
  const token = `ss1_${id}_${secret}`;
  return { id, token, csrfToken: csrfTokenOf(token)!, expiresAt };
}

/** Ends every live session of an account (except `keep`, the caller's own). */
export async function revokeSessions(
  db: Knex,
  accountId: string,
  now: Date,
  reason: NonNullable<StaffSessionRow['revoked_reason']>,
  keep?: string,
): Promise<number> {
  let q = db('staff_sessions').where({ account_id: accountId }).whereNull('revoked_at');
  if (keep) q = q.whereNot({ id: keep });
  return q.update({ revoked_at: now, revoked_reason: reason });
}

export interface SessionView {
  id: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  /** idle expiry: lastSeenAt + the idle limit, or the absolute expiry if sooner */
  idleExpiresAt: string;
  secondFactor: boolean;
  address: string | null;
  userAgent: string | null;
  current: boolean;
}

/** An account's live sessions, newest first. */
export async function listSessions(
  db: Knex,
  accountId: string,
  now: Date,
  policy: Pick<AuthPolicy, 'sessionIdleMs'>,
  current?: string,
): Promise<SessionView[]> {
  const rows = await db('staff_sessions')
    .where({ account_id: accountId })
    .whereNull('revoked_at')
    .andWhere('expires_at', '>', now)
    .andWhere('last_seen_at', '>', new Date(now.getTime() - policy.sessionIdleMs))
    .orderBy('created_at', 'desc');
  return rows.map((r) => ({
    id: r.id,
    createdAt: r.created_at.toISOString(),
    lastSeenAt: r.last_seen_at.toISOString(),
    expiresAt: r.expires_at.toISOString(),
    idleExpiresAt: new Date(
      Math.min(r.last_seen_at.getTime() + policy.sessionIdleMs, r.expires_at.getTime()),
    ).toISOString(),
    secondFactor: r.second_factor,
    address: r.address,
    userAgent: r.user_agent,
    current: r.id === current,
  }));
}

/** Revokes one session of an account (404 when it is not one of its live sessions). */
export async function revokeSession(
  db: Knex,
  actor: Actor,
  accountId: string,
  sessionId: string,
  now: Date,
): Promise<void> {
  const n = await db('staff_sessions')
    .where({ id: sessionId, account_id: accountId })
    .whereNull('revoked_at')
    .update({ revoked_at: now, revoked_reason: sessionId === actor.sessionId ? 'sign-out' : 'revoked' });
  if (!n) throw notFound('session_not_found', `no live session ${sessionId}`);
  await audit(db, actor, 'scenic.session.revoked', `account:${accountId}`, { sessionId });
}

/** Marks a session as having passed the second factor (after a TOTP enrolment in it). */
export async function confirmSecondFactor(db: Knex, sessionId: string): Promise<void> {
  await db('staff_sessions').where({ id: sessionId }).update({ second_factor: true });
}

/** Resolves session tokens to the actors of their accounts. */
export class StaffSessions {
  constructor(
    private readonly db: Knex,
    private readonly policy: Pick<AuthPolicy, 'sessionIdleMs'>,
  ) {}

  async authenticate(token: string, now: Date): Promise<Actor> {
    const m = TOKEN.exec(token);
    if (!m) throw unauthenticated('bad_session', 'malformed session token');
    const row = await this.db('staff_sessions as s')
      .join('staff_accounts as a', 'a.id', 's.account_id')
      .where({ 's.id': m[1]! })
      .first<
        | (Pick<
            StaffSessionRow,
            'id' | 'secret_hash' | 'second_factor' | 'last_seen_at' | 'expires_at' | 'revoked_at'
          > & {
            account_id: string;
            username: string;
            role: Actor['role'];
            areas: string[];
            channel_id: string | null;
            status: string;
          })
        | undefined
      >(
        's.id',
        's.secret_hash',
        's.second_factor',
        's.last_seen_at',
        's.expires_at',
        's.revoked_at',
        'a.id as account_id',
        'a.username',
        'a.role',
        'a.areas',
        'a.channel_id',
        'a.status',
      );
    const ok = row && timingSafeEqual(sha(m[2]!), Buffer.from(row.secret_hash, 'base64url'));
    if (!ok || row.revoked_at)
      throw unauthenticated('bad_session', 'unknown or revoked session; sign in again');
    if (row.status !== 'active') throw unauthenticated('account_disabled', 'this account is disabled');
    const idle = now.getTime() - row.last_seen_at.getTime() > this.policy.sessionIdleMs;
    if (idle || row.expires_at <= now) {
      await this.db('staff_sessions')
        .where({ id: row.id })
        .whereNull('revoked_at')
        .update({ revoked_at: now, revoked_reason: 'idle' });
      throw unauthenticated('session_expired', 'the session expired; sign in again');
    }
    if (now.getTime() - row.last_seen_at.getTime() > SEEN_EVERY_MS)
      await this.db('staff_sessions').where({ id: row.id }).update({ last_seen_at: now });
    return {
      kind: 'staff',
      id: accountActorId(row.username),
      role: row.role,
      areas: scopeOf(row.areas),
      channelId: row.channel_id,
      secondFactor: row.second_factor,
      accountId: row.account_id,
      sessionId: row.id,
    };
  }
}
