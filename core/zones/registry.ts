import type { Knex } from 'knex';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import { audit } from '../audit/store.js';
import { conflict, notFound } from '../errors.js';
import { secretToken } from '../ids.js';
import type { Actor } from '../orders/model.js';
import type { PiiVault } from '../pii/crypto.js';
import { COUNTER_ID } from './model.js';

/**
 * The registration path of people-counting sensors (issue 21), for the console
 * (`/v1/admin/areas/{areaId}/counters`) and `scenic counter`: register one for a zone of
 * its area, list them, retire one. A sensor signs its reports with its id as key id and a
 * secret (core/zones/counters.ts); the secret is generated here, sealed with the PII vault
 * (the server must hold it to check an HMAC) and shown once, in the registration's answer.
 *
 * The area's declaration stays the source of truth for what feeds a zone (ADR 0010): a
 * sensor is registered only for a zone whose `counters` names it, so a registered sensor
 * always counts somewhere. An active id is never re-keyed silently (retire it first, then
 * register again: a new secret); an id of another area is refused, never moved.
 */
export const CounterInput = z
  .object({
    id: z.string().regex(COUNTER_ID, 'lower-case letters, digits and dashes (max 63)'),
    zoneId: z.string().regex(/^[a-z0-9][a-z0-9:_-]{0,62}$/, 'a zone id of the area'),
  })
  .strict();
export type CounterInput = z.output<typeof CounterInput>;

export interface CounterView {
  id: string;
  areaId: string;
  /** the zone it was registered for (null: registered before zones were recorded) */
  zoneId: string | null;
  /** the zones whose declaration names it now: where its counts go */
  feeds: string[];
  status: 'active' | 'retired';
  createdAt: string;
  lastSeenAt: string | null;
  retiredAt: string | null;
}

export interface CounterCredential {
  counter: CounterView;
  /** `X-Scenic-Key` of its signed reports */
  keyId: string;
  /** the HMAC secret: shown this once, never again */
  secret: string;
  /** how reports are signed (core/channels/signature.ts) and where they go */
  signing: 'SCENIC-HMAC-SHA256';
  endpoint: '/device/v1/counts';
}

async function feedsOf(db: Knex, areaId: string, ids: string[]): Promise<Map<string, string[]>> {
  if (!ids.length) return new Map();
  const rows = await db('zones')
    .where({ area_id: areaId })
    .orderBy(['position', 'id'])
    .select<{ id: string; counters: string[] }[]>('id', 'counters');
  return new Map(ids.map((c) => [c, rows.filter((z) => z.counters.includes(c)).map((z) => z.id)]));
}

export async function listCounters(db: Knex, areaId: string): Promise<CounterView[]> {
  const rows = await db('counter_devices').where({ area_id: areaId }).orderBy('id');
  const feeds = await feedsOf(
    db,
    areaId,
    rows.map((r) => r.id),
  );
  return rows.map((r) => ({
    id: r.id,
    areaId: r.area_id,
    zoneId: r.zone_id,
    feeds: feeds.get(r.id) ?? [],
    status: r.revoked_at ? 'retired' : 'active',
    createdAt: r.created_at.toISOString(),
    lastSeenAt: r.last_seen_at?.toISOString() ?? null,
    retiredAt: r.revoked_at?.toISOString() ?? null,
  }));
}

export async function registerZoneCounter(
  db: Knex,
  vault: PiiVault,
  clock: Clock,
  actor: Actor,
  areaId: string,
  input: CounterInput,
): Promise<CounterCredential> {
  const zone = await db('zones').where({ area_id: areaId, id: input.zoneId }).first('id', 'counters');
  if (!zone) throw notFound('zone_not_found', `area ${areaId} declares no zone ${input.zoneId}`);
  if (!zone.counters.includes(input.id))
    throw conflict(
      'counter_not_declared',
      `zone ${input.zoneId} does not name counter ${input.id}: add it to the ScenicArea's zones[].counters first`,
      { zoneId: input.zoneId, declared: zone.counters },
    );
  const secret = secretToken(32);
  const now = clock.now();
  const before = await db.transaction(async (trx) => {
    const prev = await trx('counter_devices').where({ id: input.id }).forUpdate().first();
    if (prev && prev.area_id !== areaId)
      throw conflict('counter_id_taken', `counter ${input.id} belongs to another area`);
    if (prev && !prev.revoked_at)
      throw conflict('counter_exists', `counter ${input.id} is registered and active: retire it first`);
    const row = {
      id: input.id,
      area_id: areaId,
      zone_id: input.zoneId,
      secret_enc: vault.encrypt(secret),
      created_at: now,
      revoked_at: null,
      last_seen_at: null,
    };
    if (prev) await trx('counter_devices').where({ id: input.id }).update(row);
    else await trx('counter_devices').insert(row);
    return prev;
  });
  await audit(
    db,
    actor,
    before ? 'scenic.counter.reregistered' : 'scenic.counter.registered',
    `counter:${input.id}`,
    { zoneId: input.zoneId },
    {
      areaId,
      before: before ? { id: before.id, zoneId: before.zone_id, retiredAt: before.revoked_at } : null,
      after: { id: input.id, zoneId: input.zoneId },
    },
  );
  const [counter] = (await listCounters(db, areaId)).filter((c) => c.id === input.id);
  return {
    counter: counter!,
    keyId: input.id,
    secret,
    signing: 'SCENIC-HMAC-SHA256',
    endpoint: '/device/v1/counts',
  };
}

/** Retires a sensor at once: its next report is refused (`unknown_counter`). Its counts stay. */
export async function retireZoneCounter(
  db: Knex,
  clock: Clock,
  actor: Actor,
  areaId: string,
  counterId: string,
): Promise<CounterView> {
  const row = COUNTER_ID.test(counterId)
    ? await db('counter_devices').where({ id: counterId, area_id: areaId }).first()
    : undefined;
  if (!row) throw notFound('counter_not_found', `no counter ${counterId.slice(0, 64)} in ${areaId}`);
  if (!row.revoked_at) {
    await db('counter_devices')
      .where({ id: counterId })
      .whereNull('revoked_at')
      .update({ revoked_at: clock.now() });
    await audit(db, actor, 'scenic.counter.retired', `counter:${counterId}`, {}, { areaId });
  }
  return (await listCounters(db, areaId)).find((c) => c.id === counterId)!;
}
