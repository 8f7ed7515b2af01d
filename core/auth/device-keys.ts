import type { Knex } from 'knex';
import { z } from 'zod';
import { conflict, inputError } from '../errors.js';
import type { ApiKeyRow } from '../db/tables.js';
import { audit, auditedUpdate } from '../audit/store.js';
import type { Actor } from '../orders/model.js';
import { DEVICE_ROLE, KEY_DEVICE_KINDS, type KeyDeviceKind } from './roles.js';
import { ALL_AREAS, covers, overlaps, type AreaScope } from './scope.js';
import { createApiKey, scopeOf } from './api-keys.js';
import type { AuthDeps } from './deps.js';

/**
 * Keys of the devices that sell and print at an area (box-office windows, kiosks,
 * handhelds): issued through the API for the console, shown once, stored hashed
 * (`api-keys.ts`), scoped to explicit areas and to the one on-site channel they sell
 * through, and expiring. A rotation issues the successor and lets the old key work for an
 * overlap window, then stop; without an overlap given, the default one applies — an old
 * key never stays valid forever (#17.16, #17.18). Gate agents have their own credential
 * (`core/checkin/devices.ts`).
 */
const Slug = z.string().regex(/^[a-z0-9][a-z0-9:_-]{0,62}$/, 'lowercase id');

export const NewDeviceKeyInput = z.object({
  name: z.string().trim().min(1).max(120),
  kind: z.enum(KEY_DEVICE_KINDS),
  /** the areas it acts for: explicit (a device never gets every area) */
  areas: z.array(Slug).min(1).max(50),
  /** the on-site channel it sells through */
  channelId: Slug,
  /** at most SCENIC_DEVICE_KEY_DAYS */
  expiresInDays: z
    .number()
    .int()
    .min(1)
    .max(3 * 365)
    .optional(),
});
export type NewDeviceKeyInput = z.output<typeof NewDeviceKeyInput>;

export const RotateInput = z.object({
  /** how long the old key keeps working; default SCENIC_KEY_OVERLAP_SECONDS, 0 = stop now */
  overlapSeconds: z
    .number()
    .int()
    .min(0)
    .max(30 * 86400)
    .optional(),
});

export interface DeviceKeyView {
  id: string;
  name: string;
  /** null: a key issued before device kinds (or a service key) */
  kind: KeyDeviceKind | null;
  role: ApiKeyRow['role'];
  areas: AreaScope;
  channelId: string | null;
  status: 'active' | 'expired' | 'revoked';
  createdAt: string;
  createdBy: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
  replacedBy: string | null;
}

export function deviceKeyView(r: ApiKeyRow, now: Date): DeviceKeyView {
  return {
    id: r.id,
    name: r.name,
    kind: r.device_kind,
    role: r.role,
    areas: scopeOf(r.areas),
    channelId: r.channel_id,
    status: r.revoked_at ? 'revoked' : r.expires_at && r.expires_at <= now ? 'expired' : 'active',
    createdAt: r.created_at.toISOString(),
    createdBy: r.created_by,
    expiresAt: r.expires_at?.toISOString() ?? null,
    revokedAt: r.revoked_at?.toISOString() ?? null,
    replacedBy: r.replaced_by,
  };
}

/** The trail's area of a key: its one area, else none. */
const areaOf = (areas: readonly string[]) => (areas.length === 1 && areas[0] !== ALL_AREAS ? areas[0] : null);

async function checkScope(db: Knex, input: { areas: readonly string[]; channelId: string }): Promise<void> {
  const known = await db('areas')
    .whereIn('id', [...input.areas])
    .pluck('id');
  const unknown = input.areas.filter((a) => !known.includes(a));
  if (unknown.length)
    throw inputError('unknown_areas', `no area ${unknown.join(', ')}`, [
      { path: 'areas', message: 'unknown area' },
    ]);
  const ch = await db('channels').where({ id: input.channelId }).first('kind');
  if (!ch)
    throw inputError('device_channel_required', `no channel ${input.channelId}`, [
      { path: 'channelId', message: 'unknown channel' },
    ]);
  // a device sells at the area: never through an online (or a partner's) channel
  if (ch.kind !== 'onsite')
    throw inputError('device_channel_not_onsite', `${input.channelId} is not an on-site channel`, [
      { path: 'channelId', message: 'an on-site channel' },
    ]);
}

/** Issues a device key; the secret (`key`) is in this answer only. */
export async function createDeviceKey(
  d: AuthDeps,
  actor: Actor,
  input: NewDeviceKeyInput,
): Promise<{ device: DeviceKeyView; key: string }> {
  await checkScope(d.db, input);
  const now = d.clock.now();
  const ms = Math.min(d.policy.deviceKeyMs, (input.expiresInDays ?? Infinity) * 86_400_000);
  const { id, key } = await d.db.transaction(async (trx) => {
    const k = await createApiKey(trx, {
      name: input.name,
      role: DEVICE_ROLE[input.kind],
      channelId: input.channelId,
      areas: input.areas,
      device: input.kind,
      expiresAt: new Date(now.getTime() + ms),
      createdBy: `${actor.kind}:${actor.id}`,
    });
    const after = deviceKeyView((await trx('api_keys').where({ id: k.id }).first())!, now);
    await audit(
      trx,
      actor,
      'scenic.device_key.created',
      `device-key:${k.id}`,
      {},
      {
        areaId: areaOf(input.areas),
        before: null,
        after,
      },
    );
    return k;
  });
  const row = (await d.db('api_keys').where({ id }).first())!;
  return { device: deviceKeyView(row, now), key };
}

/** Staff and device keys the actor manages (those within its areas), optionally of one area. */
export async function listDeviceKeys(
  db: Knex,
  actor: Actor,
  now: Date,
  areaId?: string,
): Promise<DeviceKeyView[]> {
  const rows = await db('api_keys').whereNot({ role: 'partner' }).orderBy('created_at', 'desc').limit(2000);
  return rows
    .map((r) => deviceKeyView(r, now))
    .filter((k) => (areaId ? overlaps(k.areas, [areaId]) : true))
    .filter((k) => covers(actor.areas, k.areas !== ALL_AREAS && k.areas.length === 0 ? ALL_AREAS : k.areas));
}

const load = async (trx: Knex, id: string, now: Date) =>
  deviceKeyView((await trx('api_keys').where({ id }).first())!, now);

/** Revokes a key at once (this process forgets it; others within their 5 s cache). */
export async function revokeDeviceKey(d: AuthDeps, actor: Actor, id: string): Promise<DeviceKeyView> {
  const now = d.clock.now();
  const cur = await load(d.db, id, now);
  const { after } = await auditedUpdate(
    d.db,
    actor,
    {
      action: 'scenic.device_key.revoked',
      subject: `device-key:${id}`,
      areaId: cur.areas === ALL_AREAS ? null : areaOf(cur.areas),
    },
    {
      load: (trx) => load(trx, id, now),
      apply: (trx) => trx('api_keys').where({ id }).whereNull('revoked_at').update({ revoked_at: now }),
    },
  );
  return after;
}

/**
 * Rotates a key: a successor with the same name, kind, areas and channel (and a fresh
 * expiry); the old key stops after `overlapSeconds` (default SCENIC_KEY_OVERLAP_SECONDS),
 * or at its own expiry if that is sooner.
 */
export async function rotateDeviceKey(
  d: AuthDeps,
  actor: Actor,
  id: string,
  overlapSeconds?: number,
): Promise<{ device: DeviceKeyView; key: string; previous: DeviceKeyView }> {
  const now = d.clock.now();
  const old = (await d.db('api_keys').where({ id }).first())!;
  if (old.revoked_at || (old.expires_at && old.expires_at <= now))
    throw conflict('key_not_active', 'this key is revoked or expired: issue a new one instead');
  const until = new Date(now.getTime() + (overlapSeconds ?? d.policy.keyOverlapSeconds) * 1000);
  const stopAt = old.expires_at && old.expires_at < until ? old.expires_at : until;
  let secret = '';
  const { after } = await auditedUpdate(
    d.db,
    actor,
    { action: 'scenic.device_key.rotated', subject: `device-key:${id}`, areaId: areaOf(old.areas) },
    {
      load: (trx) => load(trx, id, now),
      apply: async (trx) => {
        const next = await createApiKey(trx, {
          name: old.name,
          role: old.role,
          channelId: old.channel_id,
          areas: scopeOf(old.areas),
          device: old.device_kind,
          expiresAt: new Date(now.getTime() + d.policy.deviceKeyMs),
          createdBy: `${actor.kind}:${actor.id}`,
        });
        secret = next.key;
        await trx('api_keys').where({ id }).update({ expires_at: stopAt, replaced_by: next.id });
      },
    },
    { overlapSeconds: overlapSeconds ?? d.policy.keyOverlapSeconds },
  );
  const row = (await d.db('api_keys').where({ id: after.replacedBy! }).first())!;
  return { device: deviceKeyView(row, now), key: secret, previous: after };
}
