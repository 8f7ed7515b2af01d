import { randomInt } from 'node:crypto';
import type { Knex } from 'knex';
import { notFound } from '../errors.js';
import { uuidv7 } from '../ids.js';
import type { PiiVault } from '../pii/crypto.js';
import { maskIdNumber } from '../pii/mask.js';
import type { MemberAccountRow, MemberCouponRow } from '../db/tables.js';
import { audit } from '../audit/store.js';
import type { Actor } from '../orders/model.js';

/**
 * A member account grows out of the visitor's phone sign-in: the first verified sign-in
 * opens it (not yet a member: a rule of an area makes it one), keyed by the phone's
 * lookup hash and holding the number sealed, so the person can be shown and erased.
 */
export interface MemberView {
  memberNo: string;
  /** a rule made the account a member (member prices apply) */
  member: boolean;
  memberSince: string | null;
  level: string | null;
  points: number;
  profile: { phone: string | null; name: string | null; idType: string | null; idNumber: string | null };
  marketingConsent: {
    given: boolean;
    givenAt: string | null;
    withdrawnAt: string | null;
  };
  coupons: { code: string; areaId: string; ruleId: string; issuedAt: string }[];
}

const memberNo = () => `M${String(randomInt(0, 1e12)).padStart(12, '0')}`;

/** Opens the account of a phone that just signed in, or touches nothing if it has one. */
export async function openAccountOnSignIn(
  db: Knex,
  vault: PiiVault,
  phone: string,
  phoneHash: string,
  now: Date,
): Promise<void> {
  const inserted = await db('member_accounts')
    .insert({
      id: uuidv7(now.getTime()),
      member_no: memberNo(),
      phone_hash: phoneHash,
      phone_enc: vault.encrypt(phone),
      created_at: now,
      updated_at: now,
    })
    .onConflict('phone_hash')
    .ignore()
    .returning('id');
  if (inserted[0])
    await audit(db, { kind: 'visitor', id: phoneHash }, 'scenic.member.opened', inserted[0].id);
}

export async function accountByPhoneHash(db: Knex, phoneHash: string): Promise<MemberAccountRow | undefined> {
  return db('member_accounts').where({ phone_hash: phoneHash }).whereNull('deleted_at').first();
}

export async function accountByMemberNo(db: Knex, no: string): Promise<MemberAccountRow | undefined> {
  return db('member_accounts').where({ member_no: no }).whereNull('deleted_at').first();
}

/** The signed-in visitor's account; 404 when there is none (signed in before accounts existed). */
export async function accountOf(db: Knex, actor: Actor): Promise<MemberAccountRow> {
  const a =
    actor.kind === 'visitor' && actor.id !== 'anonymous' ? await accountByPhoneHash(db, actor.id) : undefined;
  if (!a) throw notFound('member_not_found', 'no member account for this sign-in; sign in again');
  return a;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export async function viewAccount(db: Knex, vault: PiiVault, a: MemberAccountRow): Promise<MemberView> {
  const coupons: MemberCouponRow[] = await db('member_coupons')
    .where({ account_id: a.id })
    .orderBy('issued_at');
  const open = (s: string | null) => (s ? vault.decrypt(s) : null);
  return {
    memberNo: a.member_no,
    member: a.member_since !== null,
    memberSince: iso(a.member_since),
    level: a.level,
    points: a.points,
    profile: {
      phone: open(a.phone_enc),
      name: open(a.name_enc),
      idType: a.id_type,
      idNumber: a.id_masked,
    },
    marketingConsent: {
      given: a.marketing_consent,
      givenAt: iso(a.consent_given_at),
      withdrawnAt: iso(a.consent_withdrawn_at),
    },
    coupons: coupons.map((c) => ({
      code: c.code,
      areaId: c.area_id,
      ruleId: c.rule_id,
      issuedAt: c.issued_at.toISOString(),
    })),
  };
}

/** The profile a member keeps (all optional; a field left out is left as it is). */
export interface ProfileInput {
  name?: string;
  idType?: string;
  idNumber?: string;
}

export async function updateProfile(
  db: Knex,
  vault: PiiVault,
  actor: Actor,
  a: MemberAccountRow,
  input: ProfileInput,
  now: Date,
): Promise<void> {
  await db('member_accounts')
    .where({ id: a.id })
    .update({
      ...(input.name !== undefined ? { name_enc: vault.encrypt(input.name) } : {}),
      ...(input.idNumber !== undefined
        ? {
            id_type: input.idType ?? 'cn_resident',
            id_number_enc: vault.encrypt(input.idNumber),
            id_masked: maskIdNumber(input.idNumber),
          }
        : {}),
      updated_at: now,
    });
  // the fields changed, never their values (the audit log is not a second copy of the person)
  await audit(db, actor, 'scenic.member.profile_updated', a.id, { fields: Object.keys(input) });
}

/** Marketing consent: opt-in, withdrawable at any time; both instants are kept. */
export async function setMarketingConsent(
  db: Knex,
  actor: Actor,
  a: MemberAccountRow,
  given: boolean,
  now: Date,
): Promise<void> {
  if (given === a.marketing_consent) return;
  await db('member_accounts')
    .where({ id: a.id })
    .update(
      given
        ? { marketing_consent: true, consent_given_at: now, consent_withdrawn_at: null, updated_at: now }
        : { marketing_consent: false, consent_withdrawn_at: now, updated_at: now },
    );
  await audit(db, actor, given ? 'scenic.member.consent_given' : 'scenic.member.consent_withdrawn', a.id);
}
