import type { Knex } from 'knex';
import type { KeyObject } from 'node:crypto';
import type { PiiVault } from '../pii/crypto.js';
import type { Clock } from '../clock.js';
import type { Actor } from '../orders/model.js';
import type { SigningKeyRow } from '../db/tables.js';
import { audit } from '../audit/store.js';
import { conflict, notFound } from '../errors.js';
import { secretToken } from '../ids.js';
import { generateSigningKey, importPrivateKey, importPublicKey, type SigningKey } from './token.js';

/**
 * Ticket-signing keys and their lifecycle (issue 17 item 16; `scenic keys`):
 *
 * - rotate: a new key signs from now on; the previous one stops signing (`retired_at`) and
 *   keeps verifying, so tickets it signed keep working;
 * - retire: a key that no longer signs stops verifying once every ticket it signed is past
 *   its validity (`verify_until`), or at once with `now`;
 * - revoke: stops verifying at once (a key believed stolen); if it was signing, a new key
 *   takes over in the same transaction.
 *
 * Gates download only the keys that verify, plus the revoked kids (`gateKeys`), and replace
 * their set with it. Private keys are stored sealed with the PII vault.
 */
export interface KeyRing {
  signer: SigningKey;
  publicKeys: ReadonlyMap<string, KeyObject>;
  /** kid → raw base64url public key, as gates download them. */
  publicRaw: ReadonlyMap<string, string>;
}

/** Tickets signed by a replica whose key-ring cache (60 s) still held the old signer. */
const SIGNER_CACHE_MARGIN_MS = 5 * 60_000;

/** Whether a key still verifies tickets at `now`. */
export const keyVerifies = (r: Pick<SigningKeyRow, 'revoked_at' | 'verify_until'>, now: Date): boolean =>
  !r.revoked_at && (!r.verify_until || r.verify_until.getTime() > now.getTime());

const signs = (r: Pick<SigningKeyRow, 'retired_at' | 'revoked_at'>) => !r.retired_at && !r.revoked_at;

export async function loadKeyRing(db: Knex, vault: PiiVault, clock: Clock): Promise<KeyRing> {
  let rows = await db('signing_keys').orderBy('created_at', 'desc');
  if (!rows.some(signs)) {
    await rotateSigningKey(db, vault, clock);
    rows = await db('signing_keys').orderBy('created_at', 'desc');
  }
  const active = rows.find(signs)!;
  const now = clock.now();
  const live = rows.filter((r) => keyVerifies(r, now));
  const publicKeys = new Map(live.map((r) => [r.kid, importPublicKey(r.public_key)]));
  return {
    signer: {
      kid: active.kid,
      publicKey: publicKeys.get(active.kid) ?? importPublicKey(active.public_key),
      privateKey: importPrivateKey(active.public_key, vault.decrypt(active.private_key_enc)),
    },
    publicKeys,
    publicRaw: new Map(live.map((r) => [r.kid, r.public_key])),
  };
}

const newKid = (now: Date) =>
  `k${now.toISOString().slice(0, 10).replace(/-/g, '')}${secretToken(6).replace(/[-_]/g, 'x').slice(0, 6)}`;

async function insertKey(trx: Knex, vault: PiiVault, now: Date): Promise<string> {
  const kid = newKid(now);
  const k = generateSigningKey(kid);
  await trx('signing_keys').whereNull('retired_at').update({ retired_at: now });
  await trx('signing_keys').insert({
    kid,
    public_key: k.publicRaw,
    private_key_enc: vault.encrypt(k.privateRaw),
    created_at: now,
  });
  return kid;
}

/**
 * Adds a new signing key; the previous one stops signing and keeps verifying (until it is
 * retired). Audited when an actor is given (`scenic keys rotate`).
 */
export async function rotateSigningKey(
  db: Knex,
  vault: PiiVault,
  clock: Clock,
  actor?: Actor,
): Promise<string> {
  const now = clock.now();
  return db.transaction(async (trx) => {
    const previous = await trx('signing_keys').whereNull('retired_at').whereNull('revoked_at').pluck('kid');
    const kid = await insertKey(trx, vault, now);
    if (actor) await audit(trx, actor, 'scenic.signing_key.rotated', `signing-key:${kid}`, { previous });
    return kid;
  });
}

async function lockKey(trx: Knex.Transaction, kid: string): Promise<SigningKeyRow> {
  const row = await trx('signing_keys').where({ kid }).forUpdate().first();
  if (!row) throw notFound('signing_key_not_found', `no signing key ${kid}`);
  if (row.revoked_at) throw conflict('signing_key_revoked', `signing key ${kid} is revoked`);
  return row;
}

/**
 * The first instant no ticket `row` signed is valid any more: the day after the last valid
 * day (visit date + validity days) of the live tickets issued while it signed, at 00:00 UTC
 * plus one more day of slack for area time zones. Never before `now`.
 */
async function lastValidity(trx: Knex, row: SigningKeyRow, now: Date): Promise<Date> {
  const until = new Date((row.retired_at ?? now).getTime() + SIGNER_CACHE_MARGIN_MS);
  const r = await trx('tickets as t')
    .join('products as p', 'p.id', 't.product_id')
    .where('t.status', 'valid')
    .whereNotNull('t.code')
    .andWhere('t.issued_at', '>=', row.created_at)
    .andWhere('t.issued_at', '<=', until)
    .first<{ last: string | null }>(
      trx.raw(`to_char(max(t.visit_date + greatest(p.validity_days, 1)), 'YYYY-MM-DD') as last`),
    );
  if (!r?.last) return now;
  const end = new Date(`${r.last}T00:00:00Z`).getTime() + 86_400_000;
  return new Date(Math.max(end, now.getTime()));
}

/**
 * Retires a key that no longer signs: it verifies until its tickets' validity has passed,
 * or stops at once with `immediately`. The signing key is refused (rotate first).
 */
export async function retireSigningKey(
  db: Knex,
  clock: Clock,
  actor: Actor,
  kid: string,
  o: { immediately?: boolean } = {},
): Promise<{ kid: string; verifyUntil: Date }> {
  const now = clock.now();
  return db.transaction(async (trx) => {
    const row = await lockKey(trx, kid);
    if (signs(row))
      throw conflict('signing_key_current', `signing key ${kid} signs now: rotate first, then retire it`);
    const verifyUntil = o.immediately ? now : await lastValidity(trx, row, now);
    await trx('signing_keys').where({ kid }).update({ verify_until: verifyUntil });
    await audit(trx, actor, 'scenic.signing_key.retired', `signing-key:${kid}`, {
      verifyUntil: verifyUntil.toISOString(),
      immediately: Boolean(o.immediately),
    });
    return { kid, verifyUntil };
  });
}

/**
 * Revokes a key: it stops verifying at once, and gates drop it at their next key refresh
 * (`gateKeys` lists it under `revoked`). A key that was signing is replaced in the same
 * transaction. Returns the new signer's kid when one was made.
 */
export async function revokeSigningKey(
  db: Knex,
  vault: PiiVault,
  clock: Clock,
  actor: Actor,
  kid: string,
): Promise<{ kid: string; replacedBy: string | null }> {
  const now = clock.now();
  return db.transaction(async (trx) => {
    const row = await lockKey(trx, kid);
    const replacedBy = signs(row) ? await insertKey(trx, vault, now) : null;
    await trx('signing_keys')
      .where({ kid })
      .update({ revoked_at: now, retired_at: row.retired_at ?? now });
    await audit(trx, actor, 'scenic.signing_key.revoked', `signing-key:${kid}`, { replacedBy });
    return { kid, replacedBy };
  });
}

export interface SigningKeyView {
  kid: string;
  state: 'signing' | 'verifying' | 'retired' | 'revoked';
  createdAt: string;
  retiredAt: string | null;
  verifyUntil: string | null;
  revokedAt: string | null;
}

/** Every signing key and what it does now (`scenic keys list`). */
export async function listSigningKeys(db: Knex, clock: Clock): Promise<SigningKeyView[]> {
  const now = clock.now();
  const rows = await db('signing_keys').orderBy('created_at', 'desc');
  return rows.map((r) => ({
    kid: r.kid,
    state: r.revoked_at ? 'revoked' : signs(r) ? 'signing' : keyVerifies(r, now) ? 'verifying' : 'retired',
    createdAt: r.created_at.toISOString(),
    retiredAt: r.retired_at?.toISOString() ?? null,
    verifyUntil: r.verify_until?.toISOString() ?? null,
    revokedAt: r.revoked_at?.toISOString() ?? null,
  }));
}

/**
 * What a gate downloads (`GET /gate/v1/keys`): the public keys that verify now (a gate
 * replaces its set with them, so a retired or revoked key stops verifying there too), and
 * the kids revoked, so a gate that keeps keys of its own can drop them.
 */
export async function gateKeys(
  db: Knex,
  now: Date,
): Promise<{ keys: { kid: string; publicKey: string }[]; revoked: string[] }> {
  const rows = await db('signing_keys').orderBy('created_at');
  return {
    keys: rows.filter((r) => keyVerifies(r, now)).map((r) => ({ kid: r.kid, publicKey: r.public_key })),
    revoked: rows.filter((r) => r.revoked_at).map((r) => r.kid),
  };
}
