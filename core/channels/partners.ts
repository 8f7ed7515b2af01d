import { createHash, timingSafeEqual } from 'node:crypto';
import { BoundedCache } from '../bounded-cache.js';
import { PARTNER_CHANNEL_PREFIX } from '../catalog/definition.js';
import type { Knex } from 'knex';
import type { Redis } from '../redis/client.js';
import { z } from 'zod';
import { notAllowed, notFound, unauthenticated } from '../errors.js';
import { secretToken } from '../ids.js';
import type { PiiVault } from '../pii/crypto.js';
import { upsertChannels } from '../catalog/catalog.js';
import type { Actor } from '../orders/model.js';
import { audit } from '../audit/store.js';
import type { PartnerCredentialRow, PartnerRow } from '../db/tables.js';
import { verifySignedRequest, type SignedRequest } from './signed-request.js';

/**
 * OTA and distributor partners: each sells through its own channel (`ota:<id>`) and
 * signs its requests with a key id + secret (see signature.ts). Secrets are sealed with
 * the PII vault (AES-256-GCM), because the server must recompute the HMAC; a rotation
 * issues a new key and lets the old one work until the end of the overlap.
 */
const slug = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,40}$/, 'lowercase letters, digits, _ - (max 41)');
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/);

export const PartnerInput = z.object({
  id: slug,
  name: z.string().min(1).max(120),
  commissionBps: z.number().int().min(0).max(10000).default(0),
  discountBps: z.number().int().min(0).max(10000).default(0),
  sellsFrom: hhmm.nullable().default(null),
  sellsUntil: hhmm.nullable().default(null),
  settlementTimezone: z.string().min(1).default('Asia/Shanghai'),
  webhook: z.object({ url: z.url(), events: z.array(z.string()).min(1).optional() }).optional(),
});
export type PartnerInput = z.output<typeof PartnerInput>;

export interface Partner {
  id: string;
  name: string;
  channelId: string;
  status: PartnerRow['status'];
  settlementTimezone: string;
}

export const partnerChannelId = (partnerId: string) => `${PARTNER_CHANNEL_PREFIX}${partnerId}`;

const toPartner = (r: PartnerRow): Partner => ({
  id: r.id,
  name: r.name,
  channelId: r.channel_id,
  status: r.status,
  settlementTimezone: r.settlement_timezone,
});

/** Creates (or updates) a partner and its online channel; returns the partner. */
export async function upsertPartner(db: Knex, actor: Actor, input: PartnerInput): Promise<Partner> {
  const channelId = partnerChannelId(input.id);
  await upsertChannels(db, [
    {
      id: channelId,
      name: input.name,
      kind: 'online',
      enabled: true,
      commissionBps: input.commissionBps,
      discountBps: input.discountBps,
      sellsFrom: input.sellsFrom,
      sellsUntil: input.sellsUntil,
    },
  ]);
  await db.transaction(async (trx) => {
    await trx('partners')
      .insert({
        id: input.id,
        name: input.name,
        channel_id: channelId,
        settlement_timezone: input.settlementTimezone,
      })
      .onConflict('id')
      .merge(['name', 'settlement_timezone']);
    if (input.webhook) {
      await trx('webhook_subscriptions').where({ partner_id: input.id }).update({ enabled: false });
      await trx('webhook_subscriptions').insert({
        partner_id: input.id,
        url: input.webhook.url,
        events: input.webhook.events ?? [...PARTNER_EVENTS],
      });
    }
    await audit(trx, actor, 'scenic.partner.upserted', `partner:${input.id}`, {
      channelId,
      commissionBps: input.commissionBps,
      webhook: input.webhook?.url ?? null,
    });
  });
  return getPartner(db, input.id);
}

/** Events a partner may subscribe to. */
export const PARTNER_EVENTS = [
  'order.issued',
  'order.refunded',
  'order.expired',
  'order.cancelled',
  'order.rescheduled',
  'ticket.redeemed',
] as const;

export async function getPartner(db: Knex, id: string): Promise<Partner> {
  const r = await db('partners').where({ id }).first();
  if (!r) throw notFound('partner_not_found', `no partner ${id}`);
  return toPartner(r);
}

export async function setPartnerStatus(
  db: Knex,
  actor: Actor,
  id: string,
  status: Partner['status'],
): Promise<void> {
  await db.transaction(async (trx) => {
    const n = await trx('partners').where({ id }).update({ status });
    if (!n) throw notFound('partner_not_found', `no partner ${id}`);
    await audit(trx, actor, `scenic.partner.${status}`, `partner:${id}`);
  });
}

export interface IssuedCredential {
  keyId: string;
  /** shown once; stored only sealed: the partner signs its requests with it */
  secret: string;
  /**
   * shown once; stored only sealed: Scenic signs this key's webhooks with it (17.18), so a
   * captured webhook is never a valid request, and the request secret never leaves us
   */
  webhookSecret: string;
  partnerId: string;
}

/** How long a partner's older keys keep working after a new one is issued, unless told. */
export const DEFAULT_KEY_OVERLAP_SECONDS = 86_400;

/**
 * Issues a new key for a partner: a rotation. Every key that is still valid keeps
 * working until now + `overlapSeconds` (default {@link DEFAULT_KEY_OVERLAP_SECONDS}; 0 =
 * stop now), then stops — issuing a key never leaves the old ones valid forever (#17.18).
 */
export async function issueCredential(
  db: Knex,
  vault: PiiVault,
  actor: Actor,
  partnerId: string,
  now: Date,
  overlapSeconds: number = DEFAULT_KEY_OVERLAP_SECONDS,
): Promise<IssuedCredential> {
  await getPartner(db, partnerId);
  const keyId = `pk_${secretToken(12).replace(/[-_]/g, 'x')}`;
  const secret = secretToken(32);
  const webhookSecret = secretToken(32);
  await db.transaction(async (trx) => {
    const until = new Date(now.getTime() + overlapSeconds * 1000);
    const rotated = await trx('partner_credentials')
      .where({ partner_id: partnerId })
      .whereNull('revoked_at')
      .andWhere((q) => void q.whereNull('expires_at').orWhere('expires_at', '>', until))
      .update({ expires_at: until });
    await trx('partner_credentials').insert({
      key_id: keyId,
      partner_id: partnerId,
      secret_enc: vault.encrypt(secret),
      webhook_secret_enc: vault.encrypt(webhookSecret),
      created_at: now,
    });
    await audit(
      trx,
      actor,
      rotated ? 'scenic.partner.key_rotated' : 'scenic.partner.key_issued',
      `partner:${partnerId}`,
      { keyId, overlapSeconds, keysRotated: rotated },
    );
  });
  return { keyId, secret, webhookSecret, partnerId };
}

export async function revokeCredential(db: Knex, actor: Actor, keyId: string, now: Date): Promise<void> {
  const row = await db('partner_credentials').where({ key_id: keyId }).first();
  if (!row) throw notFound('credential_not_found', `no key ${keyId}`);
  await db.transaction(async (trx) => {
    await trx('partner_credentials').where({ key_id: keyId }).update({ revoked_at: now });
    await audit(trx, actor, 'scenic.partner.key_revoked', `partner:${row.partner_id}`, { keyId });
  });
}

type CredentialRow = Pick<
  PartnerCredentialRow,
  'key_id' | 'partner_id' | 'secret_enc' | 'expires_at' | 'revoked_at'
> &
  Pick<PartnerRow, 'channel_id' | 'status'>;

/**
 * The webhook secret a partner's webhooks are signed with now: that of its newest valid key
 * that has one (keys issued before 0038 have none; the partner issues a new key to get one —
 * the request secret is never used for webhooks).
 */
export async function webhookCredential(
  db: Knex,
  vault: PiiVault,
  partnerId: string,
  now: Date,
): Promise<{ keyId: string; webhookSecret: string } | undefined> {
  const r = await db('partner_credentials')
    .where({ partner_id: partnerId })
    .whereNull('revoked_at')
    .whereNotNull('webhook_secret_enc')
    .andWhere((q) => void q.whereNull('expires_at').orWhere('expires_at', '>', now))
    .orderBy('created_at', 'desc')
    .first();
  return r?.webhook_secret_enc
    ? { keyId: r.key_id, webhookSecret: vault.decrypt(r.webhook_secret_enc) }
    : undefined;
}

export type { SignedRequest } from './signed-request.js';

/**
 * Verifies signed partner requests: headers, key, clock skew, body digest, HMAC, then
 * the nonce (claimed in Redis only after the signature verified, so forged requests
 * cannot burn a partner's nonces). Key rows are cached briefly; a revocation takes
 * effect within `ttlMs`.
 */
export class PartnerAuthenticator {
  private readonly cache: BoundedCache<string, CredentialRow | undefined>;
  constructor(
    private readonly db: Knex,
    private readonly redis: Redis,
    private readonly vault: PiiVault,
    private readonly now: () => number,
    ttlMs = 5_000,
  ) {
    this.cache = new BoundedCache(ttlMs, 10_000, now);
  }

  async authenticate(req: SignedRequest): Promise<Actor & { partnerId: string; keyId: string }> {
    const nowMs = this.now();
    let row: CredentialRow | undefined;
    await verifySignedRequest(req, {
      redis: this.redis,
      nowMs,
      noncePrefix: 'pnonce',
      secretOf: async (keyId) => {
        row = await this.credential(keyId);
        if (!row || row.revoked_at || (row.expires_at && row.expires_at.getTime() <= nowMs)) return undefined;
        return this.vault.decrypt(row.secret_enc);
      },
    });
    const r = row!;
    if (r.status !== 'active') throw notAllowed('partner_suspended', 'this partner account is suspended');
    return {
      kind: 'partner',
      id: r.partner_id,
      role: 'partner',
      channelId: r.channel_id,
      partnerId: r.partner_id,
      keyId: r.key_id,
    };
  }

  /**
   * OCTO clients that cannot sign send `Authorization: Bearer <keyId>.<secret>` (over
   * TLS). Same key, same rotation and revocation; no nonce protection.
   */
  async authenticateBearer(token: string): Promise<Actor & { partnerId: string; keyId: string }> {
    const m = /^(pk_[A-Za-z0-9]{8,40})\.([A-Za-z0-9_-]{20,100})$/.exec(token);
    if (!m) throw unauthenticated('bad_credentials', 'expected Bearer <keyId>.<secret> or a signed request');
    const row = await this.credential(m[1]!);
    const nowMs = this.now();
    if (!row || row.revoked_at || (row.expires_at && row.expires_at.getTime() <= nowMs))
      throw unauthenticated('unknown_key', `key ${m[1]!} is unknown, revoked or past its rotation overlap`);
    const want = createHash('sha256').update(this.vault.decrypt(row.secret_enc)).digest();
    if (!timingSafeEqual(want, createHash('sha256').update(m[2]!).digest()))
      throw unauthenticated('bad_credentials', 'wrong secret for this key');
    if (row.status !== 'active') throw notAllowed('partner_suspended', 'this partner account is suspended');
    return {
      kind: 'partner',
      id: row.partner_id,
      role: 'partner',
      channelId: row.channel_id,
      partnerId: row.partner_id,
      keyId: row.key_id,
    };
  }

  private async credential(keyId: string): Promise<CredentialRow | undefined> {
    if (!/^pk_[A-Za-z0-9]{8,40}$/.test(keyId)) return undefined;
    const hit = this.cache.get(keyId);
    if (hit) return hit.value;
    const row = await this.db('partner_credentials as c')
      .join('partners as p', 'p.id', 'c.partner_id')
      .where({ 'c.key_id': keyId })
      .first<CredentialRow | undefined>(
        'c.key_id',
        'c.partner_id',
        'c.secret_enc',
        'c.expires_at',
        'c.revoked_at',
        'p.channel_id',
        'p.status',
      );
    this.cache.set(keyId, row);
    return row;
  }
}
