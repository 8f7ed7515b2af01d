import { createHash, timingSafeEqual } from 'node:crypto';
import type { Knex } from 'knex';
import { secretToken } from '../ids.js';
import { unauthenticated } from '../errors.js';
import { BoundedCache } from '../bounded-cache.js';
import type { Actor } from '../orders/model.js';
import type { ApiKeyRow } from '../db/tables.js';

/**
 * Staff, device and partner credentials: `sk_<id>_<secret>`. Only a SHA-256 of the
 * secret is stored; the id part finds the row without scanning.
 */
export type StaffRole = ApiKeyRow['role'];

const sha = (s: string) => createHash('sha256').update(s).digest();

export async function createApiKey(
  db: Knex,
  k: { name: string; role: StaffRole; channelId?: string | null },
): Promise<{ id: string; key: string }> {
  const id = secretToken(9).replace(/[-_]/g, 'x');
  const secret = secretToken(24);
  await db('api_keys').insert({
    id,
    name: k.name,
    role: k.role,
    secret_hash: sha(secret).toString('base64url'),
    channel_id: k.channelId ?? null,
  });
  return { id, key: `sk_${id}_${secret}` };
}

export async function revokeApiKey(db: Knex, id: string, now: Date): Promise<void> {
  await db('api_keys').where({ id }).update({ revoked_at: now });
}

type Row = Pick<ApiKeyRow, 'id' | 'role' | 'secret_hash' | 'channel_id' | 'revoked_at'>;

/** Resolves API keys to actors, caching rows briefly so each request does not hit Postgres. */
export class ApiKeys {
  private readonly cache: BoundedCache<string, Row | undefined>;
  constructor(
    private readonly db: Knex,
    now: () => number,
    ttlMs = 30_000,
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
    return {
      kind: row.role === 'partner' ? 'partner' : 'staff',
      id: row.id,
      role: row.role,
      channelId: row.channel_id,
    };
  }
}
