import type { Knex } from 'knex';
import type { Clock } from '../clock.js';
import { conflict, notFound } from '../errors.js';
import { systemActor } from '../orders/model.js';
import { parseInput } from '../validation.js';
import {
  NewAccountInput,
  insertAccount,
  resetEnrolment,
  type AccountView,
  type Enrolment,
} from './accounts.js';

/**
 * The first platform admin of a fresh install, from the CLI (`scenic admin create`):
 * there is no default account and no default password. The command creates the account
 * with no password and prints its one-time enrolment token; the person sets the password
 * with it (`POST /v1/staff/enrol`) and enrols the TOTP second factor at first sign-in.
 * It works only while no platform admin exists (active or still enrolling); after that,
 * accounts are made in the console. `scenic admin reset` is the way back in for an admin
 * who lost the password or the authenticator: whoever runs it already holds the
 * database credentials. Both are audited as `system:cli`.
 */
const CLI = systemActor('cli');

export interface CliDeps {
  db: Knex;
  clock: Clock;
  /** how long the printed enrolment token stays valid */
  enrolmentMs: number;
}

export async function bootstrapAdmin(
  d: CliDeps,
  input: { username: string; displayName: string; email?: string },
): Promise<{ account: AccountView; enrolment: Enrolment }> {
  const existing = await d
    .db('staff_accounts')
    .where({ role: 'admin' })
    .whereIn('status', ['active', 'pending'])
    .first('username');
  if (existing)
    throw conflict(
      'admin_exists',
      `a platform admin exists (${existing.username}): create accounts in the console, or reset that one`,
    );
  const account = parseInput(NewAccountInput, { ...input, role: 'admin', areas: '*' });
  return insertAccount({ db: d.db, clock: d.clock, policy: { enrolmentMs: d.enrolmentMs } }, CLI, account);
}

/** A new enrolment token for a platform admin (password and, with `secondFactor`, TOTP cleared). */
export async function resetAdmin(
  d: CliDeps,
  username: string,
  secondFactor: boolean,
): Promise<{ account: AccountView; enrolment: Enrolment }> {
  const row = await d
    .db('staff_accounts')
    .where({ username: username.toLowerCase(), role: 'admin' })
    .first('id');
  if (!row) throw notFound('account_not_found', `no platform admin ${username}`);
  return resetEnrolment({ db: d.db, clock: d.clock, policy: { enrolmentMs: d.enrolmentMs } }, CLI, row.id, {
    secondFactor,
  });
}
