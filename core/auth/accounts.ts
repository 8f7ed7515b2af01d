import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { z } from 'zod';
import { conflict, inputError, notAllowed, notFound, unauthenticated } from '../errors.js';
import { secretToken, uuidv7 } from '../ids.js';
import type { StaffAccountRow } from '../db/tables.js';
import { UNIQUE_CONSTRAINTS, isUniqueViolation } from '../db/errors.js';
import { audit, auditedUpdate } from '../audit/store.js';
import type { Actor } from '../orders/model.js';
import { STAFF_ROLES, type StaffRole } from './roles.js';
import { ALL_AREAS, covers, grantRefusal, overlaps, refusalError, type AreaScope } from './scope.js';
import { scopeOf, storedAreas } from './api-keys.js';
import { hashPassword, passwordProblem, verifyPassword } from './passwords.js';
import { revokeSessions } from './staff-sessions.js';
import type { AuthDeps } from './deps.js';

/**
 * Accounts of people: created by a platform admin or an area manager (within their areas
 * and the roles they may give, `grantRefusal`), with no password — the person sets it
 * through a one-time enrolment link — then signed in with a password and, for the roles
 * that need one, a TOTP second factor (`sign-in.ts`). Every change is audited with its
 * before and after state.
 */
const Slug = z.string().regex(/^[a-z0-9][a-z0-9:_-]{0,62}$/, 'lowercase id');
export const Username = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9._-]{2,63}$/, '3–64 lower-case letters, digits, dots, dashes, underscores');
export const AreasInput = z.union([z.literal(ALL_AREAS), z.array(Slug).min(1).max(200)]);

export const NewAccountInput = z.object({
  username: Username,
  email: z.email().max(254).toLowerCase().optional(),
  displayName: z.string().trim().min(1).max(120),
  role: z.enum(STAFF_ROLES),
  areas: AreasInput,
  /** the on-site channel a cashier sells through */
  channelId: Slug.optional(),
});
export type NewAccountInput = z.output<typeof NewAccountInput>;

export const AccountPatch = z
  .object({
    email: z.email().max(254).toLowerCase().nullable(),
    displayName: z.string().trim().min(1).max(120),
    role: z.enum(STAFF_ROLES),
    areas: AreasInput,
    channelId: Slug.nullable(),
  })
  .partial()
  .refine((p) => Object.keys(p).length > 0, 'nothing to change');
export type AccountPatch = z.output<typeof AccountPatch>;

export interface AccountView {
  id: string;
  username: string;
  email: string | null;
  displayName: string;
  role: StaffRole;
  areas: AreaScope;
  channelId: string | null;
  status: StaffAccountRow['status'];
  secondFactor: boolean;
  lockedUntil: string | null;
  lastSignInAt: string | null;
  createdBy: string | null;
  createdAt: string;
}

export const accountView = (r: StaffAccountRow): AccountView => ({
  id: r.id,
  username: r.username,
  email: r.email,
  displayName: r.display_name,
  role: r.role,
  areas: scopeOf(r.areas),
  channelId: r.channel_id,
  status: r.status,
  secondFactor: r.totp_enabled_at !== null,
  lockedUntil: r.locked_until?.toISOString() ?? null,
  lastSignInAt: r.last_sign_in_at?.toISOString() ?? null,
  createdBy: r.created_by,
  createdAt: r.created_at.toISOString(),
});

/** The actor id of an account (the audit trail's "who"): usernames are never renamed. */
export const accountActorId = (username: string) => `user:${username}`;

export const hashEnrolment = (token: string) => createHash('sha256').update(token).digest('base64url');
const isUuid = (s: string) => z.uuid().safeParse(s).success;
const duplicate = (e: unknown) =>
  isUniqueViolation(e, UNIQUE_CONSTRAINTS.accountUsername) ||
  isUniqueViolation(e, UNIQUE_CONSTRAINTS.accountEmail);

export async function loadAccount(db: Knex, id: string, forUpdate = false): Promise<StaffAccountRow> {
  const q = isUuid(id) ? db('staff_accounts').where({ id }).first() : undefined;
  const row = q ? await (forUpdate ? q.forUpdate() : q) : undefined;
  if (!row) throw notFound('account_not_found', `no account ${id}`);
  return row;
}

/** The areas of an account, for the guard of the routes that manage it. */
export async function accountScope(db: Knex, id: string): Promise<AreaScope> {
  return scopeOf((await loadAccount(db, id)).areas);
}

/** The account a sign-in names: its username or its e-mail address. */
export function accountByLogin(db: Knex, login: string): Promise<StaffAccountRow | undefined> {
  const l = login.trim().toLowerCase();
  return db('staff_accounts')
    .where((q) => void q.where({ username: l }).orWhere({ email: l }))
    .first();
}

/** Refuses a role or scope the actor may not give, areas that do not exist, a channel that is not on-site. */
async function checkGrant(
  db: Knex,
  actor: Actor,
  g: { role: StaffRole; areas: AreaScope; channelId: string | null },
): Promise<void> {
  const r = grantRefusal(actor, g);
  if (r === 'admin_needs_all_areas')
    throw inputError(r, 'a platform admin acts for every area', [{ path: 'areas', message: 'must be "*"' }]);
  if (r === 'role_not_grantable') throw notAllowed(r, `you may not give the role ${g.role}`);
  if (r) throw refusalError(r, 'the areas given');
  if (g.areas !== ALL_AREAS) {
    const known = await db('areas')
      .whereIn('id', [...g.areas])
      .pluck('id');
    const unknown = g.areas.filter((a) => !known.includes(a));
    if (unknown.length)
      throw inputError('unknown_areas', `no area ${unknown.join(', ')}`, [
        { path: 'areas', message: 'unknown area' },
      ]);
  }
  if (g.channelId) {
    const ch = await db('channels').where({ id: g.channelId }).first('kind');
    if (ch?.kind !== 'onsite')
      throw inputError('device_channel_not_onsite', `${g.channelId} is not an on-site channel`, [
        { path: 'channelId', message: 'an on-site channel' },
      ]);
  }
}

const newEnrolment = (now: Date, ms: number) => {
  const token = `se1_${secretToken(24)}`;
  return { token, hash: hashEnrolment(token), expiresAt: new Date(now.getTime() + ms) };
};

export interface Enrolment {
  /** shown once: the person sets their password with it (`POST /v1/staff/enrol`) */
  token: string;
  expiresAt: string;
}

/** Creates an account with no password, and the one-time enrolment token that sets it. */
export async function createAccount(
  d: Pick<AuthDeps, 'db' | 'clock' | 'policy'>,
  actor: Actor,
  input: NewAccountInput,
): Promise<{ account: AccountView; enrolment: Enrolment }> {
  await checkGrant(d.db, actor, { role: input.role, areas: input.areas, channelId: input.channelId ?? null });
  return insertAccount(d, actor, input);
}

/**
 * The insert of {@link createAccount}, with no grant check: for the CLI's first admin
 * (`core/auth/bootstrap.ts`), whose actor is the system, not an account.
 */
export async function insertAccount(
  d: Pick<AuthDeps, 'db' | 'clock'> & { policy: Pick<AuthDeps['policy'], 'enrolmentMs'> },
  actor: Actor,
  input: NewAccountInput,
): Promise<{ account: AccountView; enrolment: Enrolment }> {
  const now = d.clock.now();
  const e = newEnrolment(now, d.policy.enrolmentMs);
  const id = uuidv7(now.getTime());
  try {
    await d.db.transaction(async (trx) => {
      await trx('staff_accounts').insert({
        id,
        username: input.username,
        email: input.email ?? null,
        display_name: input.displayName,
        role: input.role,
        areas: storedAreas(input.areas),
        channel_id: input.channelId ?? null,
        status: 'pending',
        enrolment_hash: e.hash,
        enrolment_expires_at: e.expiresAt,
        created_by: `${actor.kind}:${actor.id}`,
        created_at: now,
        updated_at: now,
      });
      const after = accountView(await loadAccount(trx, id));
      await audit(
        trx,
        actor,
        'scenic.account.created',
        `account:${id}`,
        {},
        { ...auditArea(after), before: null, after },
      );
    });
  } catch (err) {
    if (duplicate(err)) throw conflict('account_exists', 'an account with this username or e-mail exists');
    throw err;
  }
  return {
    account: accountView(await loadAccount(d.db, id)),
    enrolment: { token: e.token, expiresAt: e.expiresAt.toISOString() },
  };
}

/** The trail's area of an account change: its one area, else none (several, or every area). */
const auditArea = (v: AccountView) => ({
  areaId: v.areas !== ALL_AREAS && v.areas.length === 1 ? v.areas[0] : null,
});

/** Accounts acting in an area (or every account, for a caller of every area), newest first. */
export async function listAccounts(db: Knex, actor: Actor, areaId?: string): Promise<AccountView[]> {
  const rows = await db('staff_accounts').orderBy('id', 'desc').limit(1000);
  // an account is listed to those who may manage it: it is within their areas
  return rows
    .map(accountView)
    .filter((a) => (areaId ? overlaps(a.areas, [areaId]) : true))
    .filter((a) => covers(actor.areas, a.areas));
}

/** Refuses a change that would leave the platform without an active admin. */
async function keepAnAdmin(trx: Knex, before: StaffAccountRow, after: { role: StaffRole; status: string }) {
  if (before.role !== 'admin' || before.status !== 'active') return;
  if (after.role === 'admin' && after.status === 'active') return;
  const others = await trx('staff_accounts')
    .where({ role: 'admin', status: 'active' })
    .whereNot({ id: before.id })
    .count<{ n: string }[]>({ n: '*' });
  if (Number(others[0]?.n ?? 0) === 0) throw conflict('last_admin', 'this is the last active platform admin');
}

/** Changes an account's details, role, areas or channel (the new ones within the actor's grants). */
export async function updateAccount(
  d: AuthDeps,
  actor: Actor,
  id: string,
  patch: AccountPatch,
): Promise<AccountView> {
  const cur = await loadAccount(d.db, id);
  const role = patch.role ?? cur.role;
  const areas = patch.areas ?? scopeOf(cur.areas);
  const channelId = patch.channelId === undefined ? cur.channel_id : patch.channelId;
  if (patch.role || patch.areas || patch.channelId) await checkGrant(d.db, actor, { role, areas, channelId });
  const { after } = await auditedUpdate(
    d.db,
    actor,
    { action: 'scenic.account.updated', subject: `account:${id}`, ...auditArea(accountView(cur)) },
    {
      load: async (trx) => accountView(await loadAccount(trx, id)),
      apply: async (trx) => {
        await keepAnAdmin(trx, await loadAccount(trx, id, true), { role, status: cur.status });
        await trx('staff_accounts')
          .where({ id })
          .update({
            ...(patch.email !== undefined ? { email: patch.email } : {}),
            ...(patch.displayName ? { display_name: patch.displayName } : {}),
            role,
            areas: storedAreas(areas),
            channel_id: channelId,
            updated_at: d.clock.now(),
          });
      },
    },
  ).catch((err: unknown) => {
    if (duplicate(err)) throw conflict('account_exists', 'an account with this e-mail exists');
    throw err;
  });
  return after;
}

/** Disables an account (its sessions end at once) or enables it again. */
export async function setAccountStatus(
  d: AuthDeps,
  actor: Actor,
  id: string,
  status: 'active' | 'disabled',
): Promise<AccountView> {
  const cur = await loadAccount(d.db, id);
  const { after } = await auditedUpdate(
    d.db,
    actor,
    {
      action: `scenic.account.${status === 'active' ? 'enabled' : 'disabled'}`,
      subject: `account:${id}`,
      ...auditArea(accountView(cur)),
    },
    {
      load: async (trx) => accountView(await loadAccount(trx, id)),
      apply: async (trx) => {
        const row = await loadAccount(trx, id, true);
        const next = status === 'active' && !row.password_hash ? 'pending' : status;
        await keepAnAdmin(trx, row, { role: row.role, status: next });
        await trx('staff_accounts').where({ id }).update({ status: next, updated_at: d.clock.now() });
        if (status === 'disabled') await revokeSessions(trx, id, d.clock.now(), 'disabled');
      },
    },
  );
  return after;
}

/**
 * A new one-time enrolment link (a forgotten password, a lost authenticator): the
 * password is cleared, every session ends, and with `secondFactor` the TOTP secret too.
 */
export async function resetEnrolment(
  d: Pick<AuthDeps, 'db' | 'clock'> & { policy: Pick<AuthDeps['policy'], 'enrolmentMs'> },
  actor: Actor,
  id: string,
  opts: { secondFactor: boolean },
): Promise<{ account: AccountView; enrolment: Enrolment }> {
  const now = d.clock.now();
  const e = newEnrolment(now, d.policy.enrolmentMs);
  const cur = await loadAccount(d.db, id);
  const { after } = await auditedUpdate(
    d.db,
    actor,
    { action: 'scenic.account.reset', subject: `account:${id}`, ...auditArea(accountView(cur)) },
    {
      load: async (trx) => accountView(await loadAccount(trx, id)),
      apply: async (trx) => {
        const row = await loadAccount(trx, id, true);
        await trx('staff_accounts')
          .where({ id })
          .update({
            password_hash: null,
            status: row.status === 'disabled' ? 'disabled' : 'pending',
            enrolment_hash: e.hash,
            enrolment_expires_at: e.expiresAt,
            failed_sign_ins: 0,
            locked_until: null,
            ...(opts.secondFactor
              ? { totp_secret_enc: null, totp_pending_enc: null, totp_enabled_at: null, totp_last_step: null }
              : {}),
            updated_at: now,
          });
        await revokeSessions(trx, id, now, 'reset');
      },
    },
    { secondFactor: opts.secondFactor },
  );
  return { account: after, enrolment: { token: e.token, expiresAt: e.expiresAt.toISOString() } };
}

/** Sets the first (or reset) password with a one-time enrolment token. */
export async function enrol(d: AuthDeps, token: string, password: string): Promise<AccountView> {
  const now = d.clock.now();
  const row = await d
    .db('staff_accounts')
    .where({ enrolment_hash: hashEnrolment(token) })
    .first();
  if (!row || !row.enrolment_expires_at || row.enrolment_expires_at <= now)
    throw unauthenticated(
      'enrolment_invalid',
      'this enrolment link is unknown, used or expired; ask for a new one',
    );
  const weak = passwordProblem(password, row.username);
  if (weak) throw inputError('weak_password', weak.message, [weak]);
  const hash = await hashPassword(password);
  const system: Actor = { kind: 'staff', id: accountActorId(row.username) };
  await auditedUpdate(
    d.db,
    system,
    { action: 'scenic.account.enrolled', subject: `account:${row.id}`, ...auditArea(accountView(row)) },
    {
      load: async (trx) => accountView(await loadAccount(trx, row.id)),
      apply: async (trx) => {
        const n = await trx('staff_accounts')
          .where({ id: row.id, enrolment_hash: row.enrolment_hash })
          .update({
            password_hash: hash,
            password_changed_at: now,
            status: row.status === 'disabled' ? 'disabled' : 'active',
            enrolment_hash: null,
            enrolment_expires_at: null,
            updated_at: now,
          });
        if (!n) throw unauthenticated('enrolment_invalid', 'this enrolment link was just used');
      },
    },
  );
  return accountView(await loadAccount(d.db, row.id));
}

/** Changes one's own password (the current one proves it is you); every other session ends. */
export async function changePassword(
  d: AuthDeps,
  actor: Actor,
  input: { current: string; password: string },
): Promise<void> {
  if (!actor.accountId)
    throw notAllowed('sign_in_required', 'sign in with an account to change its password');
  const row = await loadAccount(d.db, actor.accountId);
  if (!row.password_hash || !(await verifyPassword(row.password_hash, input.current)))
    throw unauthenticated('bad_credentials', 'the current password is wrong');
  const weak = passwordProblem(input.password, row.username);
  if (weak) throw inputError('weak_password', weak.message, [weak]);
  const hash = await hashPassword(input.password);
  const now = d.clock.now();
  await d.db.transaction(async (trx) => {
    await trx('staff_accounts')
      .where({ id: row.id })
      .update({ password_hash: hash, password_changed_at: now, updated_at: now });
    await revokeSessions(trx, row.id, now, 'password', actor.sessionId);
    await audit(
      trx,
      actor,
      'scenic.account.password_changed',
      `account:${row.id}`,
      {},
      auditArea(accountView(row)),
    );
  });
}
