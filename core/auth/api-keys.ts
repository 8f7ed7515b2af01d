import { createHash, timingSafeEqual } from 'node:crypto';
import type { Knex } from 'knex';
import { secretToken } from '../ids.js';
import { notFound, unauthenticated } from '../errors.js';
import { BoundedCache } from '../bounded-cache.js';
import type { Actor } from '../orders/model.js';
import type { ApiKeyRow } from '../db/tables.js';
import type { KeyDeviceKind, Role } from './roles.js';
import { ALL_AREAS, type AreaScope } from './scope.js';

/**
 * Staff, device and partner credentials: `sk_<id>_<secret>`. Only a SHA-256 of the
 * secret is stored (the secret is 24 random bytes: a fast hash is enough, unlike a
 * password); the id part finds the row without scanning. Each key carries its scope: its
 * role, the areas it acts for, for sales its channel, and an expiry.
 */
export type KeyRole = ApiKeyRow['role'];

const sha = (s: string) => createHash('sha256').update(s).digest();

/** The stored form of a scope (`{*}` for every area). */
export const storedAreas = (s: AreaScope): string[] => (s === ALL_AREAS ? [ALL_AREAS] : [...s]);
/** A stored scope read back. */
export const scopeOf = (areas: readonly string[]): AreaScope =>
  areas.includes(ALL_AREAS) ? ALL_AREAS : areas;

export interface NewApiKey {
  name: string;
  role: KeyRole;
  channelId?: string | null;
  /** default: every area for `admin`, none for any other role */
  areas?: AreaScope;
  device?: KeyDeviceKind | null;
  expiresAt?: Date | null;
  createdBy?: string | null;
}

/** Creates a key and returns it; the secret is shown this once and never stored. */
export async function createApiKey(db: Knex, k: NewApiKey): Promise<{ id: string; key: string }> {
  const id = secretToken(9).replace(/[-_]/g, 'x');
  const secret = secretToken(24);
  const areas = k.areas ?? (k.role === 'admin' ? ALL_AREAS : []);
  await db('api_keys').insert({
    id,
    name: k.name,
    role: k.role,
    secret_hash: sha(secret).toString('base64url'),
    channel_id: k.channelId ?? null,
    areas: storedAreas(areas),
    device_kind: k.device ?? null,
    expires_at: k.expiresAt ?? null,
    created_by: k.createdBy ?? null,
  });
  return { id, key: `sk_${id}_${secret}` };
}

export async function revokeApiKey(db: Knex, id: string, now: Date): Promise<void> {
  await db('api_keys').where({ id }).update({ revoked_at: now });
}

/** The areas of a key, for the guard of the routes that manage it (404 when there is none). */
export async function deviceKeyScope(db: Knex, id: string): Promise<AreaScope> {
  const row = /^[A-Za-z0-9]{1,40}$/.test(id)
    ? await db('api_keys').where({ id }).whereNot({ role: 'partner' }).first('areas')
    : undefined;
  if (!row) throw notFound('device_key_not_found', `no device key ${id}`);
  return scopeOf(row.areas);
}

/** The actor a key row stands for. */
export function keyActor(
  row: Pick<ApiKeyRow, 'id' | 'role' | 'channel_id' | 'areas' | 'device_kind'>,
): Actor {
  if (row.role === 'partner')
    return { kind: 'partner', id: row.id, role: 'partner', channelId: row.channel_id };
  return {
    kind: 'staff',
    id: row.id,
    role: row.role satisfies Role,
    channelId: row.channel_id,
    areas: scopeOf(row.areas),
    ...(row.device_kind ? { device: row.device_kind } : {}),
  };
}

type Row = Pick<
  ApiKeyRow,
  'id' | 'role' | 'secret_hash' | 'channel_id' | 'revoked_at' | 'areas' | 'device_kind' | 'expires_at'
>;

/**
 * Resolves API keys to actors, caching rows briefly so each request does not hit
 * Postgres: a revocation elsewhere takes effect within `ttlMs` (5 s), here at once
 * (`forget`).
 */
export class ApiKeys {
  private readonly cache: BoundedCache<string, Row | undefined>;
  constructor(
    private readonly db: Knex,
    private readonly now: () => number,
    ttlMs = 5_000,
  ) {
    this.cache = new BoundedCache(ttlMs, 10_000, now);
  }

  async authenticate(key: string): Promise<Actor> {
    const m = /^sk_([A-Za-z0-9]{1,40})_([A-Za-z0-9_-]{1,200})$/.exec(key);
    if (!m) throw unauthenticated('bad_credentials', 'malformed API key');
    const [, id, secret] = m as unknown as [string, string, string];
    const hit = this.cache.get(id);
    const row = hit ? hit.value : await this.db('api_keys').where({ id }).first();
    if (!hit) this.cache.set(id, row);
    const ok =
      row && !row.revoked_at && timingSafeEqual(sha(secret), Buffer.from(row.secret_hash, 'base64url'));
    if (!ok) throw unauthenticated('bad_credentials', 'unknown or revoked API key');
    if (row.expires_at && row.expires_at.getTime() <= this.now())
      throw unauthenticated('key_expired', 'this key has expired (or was rotated out); use its successor');
    return keyActor(row);
  }

  /** Drops a key from this process's cache (after it was revoked or rotated here). */
  forget(id: string): void {
    this.cache.delete(id);
  }
}
