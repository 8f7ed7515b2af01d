import type { Knex } from 'knex';
import { z } from 'zod';
import { audit } from '../audit/store.js';
import { verifySignedRequest, type SignedRequest } from '../channels/signed-request.js';
import { SIGNATURE_ALGORITHM } from '../channels/signature.js';
import type { MerchantRow, SpendCategory } from '../db/tables.js';
import { conflict, notFound } from '../errors.js';
import { secretToken } from '../ids.js';
import type { PiiVault } from '../pii/crypto.js';
import type { Redis } from '../redis/client.js';
import type { Actor } from '../orders/model.js';

/**
 * The merchants of an area (issue 22, second spend): the shops, restaurants and car parks
 * the area's manager registers so they can post their sales. Each signs its requests
 * exactly like a partner (core/channels/signature.ts, verified by the same
 * {@link verifySignedRequest}); its secret is generated here, shown once and kept sealed
 * with the PII vault (the server recomputes the HMAC, so a hash would not do).
 */
export const SPEND_CATEGORIES = ['shop', 'restaurant', 'parking'] as const satisfies readonly SpendCategory[];

const MERCHANT_ID = /^[a-z0-9][a-z0-9_-]{0,40}$/;
const KEY_ID = /^mk_[A-Za-z0-9]{8,40}$/;

export const MerchantInput = z
  .object({
    id: z.string().regex(MERCHANT_ID, 'lowercase letters, digits, _ - (max 41)'),
    name: z.string().trim().min(1).max(120),
    category: z.enum(SPEND_CATEGORIES),
  })
  .strict();
export type MerchantInput = z.output<typeof MerchantInput>;

export interface MerchantView {
  id: string;
  areaId: string;
  name: string;
  category: SpendCategory;
  keyId: string;
  status: 'active' | 'retired';
  createdAt: string;
  keyIssuedAt: string;
  retiredAt: string | null;
}

export interface MerchantCredential {
  merchant: MerchantView;
  keyId: string;
  /** shown once; stored only sealed */
  secret: string;
  signing: typeof SIGNATURE_ALGORITHM;
  endpoint: '/merchant/v1/sales';
}

const view = (r: MerchantRow): MerchantView => ({
  id: r.id,
  areaId: r.area_id,
  name: r.name,
  category: r.category,
  keyId: r.key_id,
  status: r.retired_at ? 'retired' : 'active',
  createdAt: r.created_at.toISOString(),
  keyIssuedAt: r.key_issued_at.toISOString(),
  retiredAt: r.retired_at?.toISOString() ?? null,
});

const newKey = () => ({ keyId: `mk_${secretToken(12).replace(/[-_]/g, 'x')}`, secret: secretToken(32) });

export async function listMerchants(db: Knex, areaId: string): Promise<MerchantView[]> {
  return (await db('merchants').where({ area_id: areaId }).orderBy('id')).map(view);
}

async function merchantOf(db: Knex, areaId: string, id: string): Promise<MerchantRow> {
  const r = MERCHANT_ID.test(id) ? await db('merchants').where({ id, area_id: areaId }).first() : undefined;
  // another area's merchant answers as unknown: a manager sees only their own
  if (!r) throw notFound('merchant_not_found', `no merchant ${id.slice(0, 64)} in ${areaId}`);
  return r;
}

/** Registers a merchant of the area with its first key; audited (the secret never is). */
export async function registerMerchant(
  db: Knex,
  vault: PiiVault,
  actor: Actor,
  areaId: string,
  input: MerchantInput,
  now: Date,
): Promise<MerchantCredential> {
  const { keyId, secret } = newKey();
  const inserted = await db('merchants')
    .insert({
      id: input.id,
      area_id: areaId,
      name: input.name,
      category: input.category,
      key_id: keyId,
      secret_enc: vault.encrypt(secret),
      created_at: now,
      key_issued_at: now,
      retired_at: null,
    })
    .onConflict('id')
    .ignore()
    .returning('id');
  if (!inserted[0]) throw conflict('merchant_exists', `merchant ${input.id} is already registered`);
  await audit(
    db,
    actor,
    'scenic.merchant.registered',
    `merchant:${input.id}`,
    { keyId, category: input.category },
    { areaId, before: null, after: { id: input.id, name: input.name, category: input.category } },
  );
  return credential(await merchantOf(db, areaId, input.id), secret);
}

const credential = (r: MerchantRow, secret: string): MerchantCredential => ({
  merchant: view(r),
  keyId: r.key_id,
  secret,
  signing: SIGNATURE_ALGORITHM,
  endpoint: '/merchant/v1/sales',
});

/**
 * A new key for a merchant; the old one stops at once (a till has one key, and a merchant
 * asking for a new one usually lost the old). A retired merchant is registered anew.
 */
export async function rotateMerchantKey(
  db: Knex,
  vault: PiiVault,
  actor: Actor,
  areaId: string,
  id: string,
  now: Date,
): Promise<MerchantCredential> {
  const before = await merchantOf(db, areaId, id);
  const { keyId, secret } = newKey();
  await db('merchants')
    .where({ id: before.id })
    .update({ key_id: keyId, secret_enc: vault.encrypt(secret), key_issued_at: now, retired_at: null });
  await audit(
    db,
    actor,
    'scenic.merchant.key_rotated',
    `merchant:${id}`,
    { keyId, previousKeyId: before.key_id },
    { areaId },
  );
  return credential(await merchantOf(db, areaId, id), secret);
}

/** Retires a merchant: its next request is refused (`unknown_key`); its sales stay in the books. */
export async function retireMerchant(
  db: Knex,
  actor: Actor,
  areaId: string,
  id: string,
  now: Date,
): Promise<void> {
  const before = await merchantOf(db, areaId, id);
  if (before.retired_at) return;
  await db('merchants').where({ id }).update({ retired_at: now });
  await audit(db, actor, 'scenic.merchant.retired', `merchant:${id}`, {}, { areaId });
}

/** The merchant a request is from (what the sale routes act for). */
export interface MerchantActor extends Actor {
  kind: 'merchant';
  merchantId: string;
  areaId: string;
}

/**
 * Verifies a merchant's signed request with the partners' verifier; no key cache, so a
 * retirement or a new key takes effect on the next request.
 */
export async function authenticateMerchant(
  db: Knex,
  redis: Redis,
  vault: PiiVault,
  req: SignedRequest,
  nowMs: number,
): Promise<MerchantActor> {
  let row: MerchantRow | undefined;
  await verifySignedRequest(req, {
    redis,
    nowMs,
    noncePrefix: 'mnonce',
    secretOf: async (keyId) => {
      row = KEY_ID.test(keyId) ? await db('merchants').where({ key_id: keyId }).first() : undefined;
      return row && !row.retired_at ? vault.decrypt(row.secret_enc) : undefined;
    },
  });
  const r = row!;
  return { kind: 'merchant', id: r.id, merchantId: r.id, areaId: r.area_id, channelId: null };
}
