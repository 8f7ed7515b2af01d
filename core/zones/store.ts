import type { Knex } from 'knex';
import type { ZoneMessageRow, ZoneRow, ZoneSettingsRow, ZoneStateRow } from '../db/tables.js';
import { DiversionDeclaration, type DiversionState, type ZoneDeclaration } from './model.js';

/**
 * Makes the area's zones and diversion settings say what the declaration says (the
 * operator's write, inside `declareArea`'s transaction). Zones no longer declared go,
 * with their evaluator state; the sent-message record stays.
 */
export async function writeZones(
  trx: Knex.Transaction,
  areaId: string,
  zones: readonly ZoneDeclaration[],
  diversion: DiversionDeclaration | undefined,
): Promise<void> {
  const ids = zones.map((z) => z.id);
  await trx('zones').where({ area_id: areaId }).whereNotIn('id', ids).delete();
  await trx('zone_states').where({ area_id: areaId }).whereNotIn('zone_id', ids).delete();
  for (const [position, z] of zones.entries())
    await trx('zones')
      .insert({
        area_id: areaId,
        id: z.id,
        name_zh: z.name.zh,
        name_en: z.name.en,
        capacity: z.capacity,
        entrances: z.entrances,
        counters: z.counters,
        position,
      })
      .onConflict(['area_id', 'id'])
      .merge();
  const d = diversion ?? DiversionDeclaration.parse({});
  await trx('zone_settings')
    .insert({
      area_id: areaId,
      diversions: JSON.stringify(d.pairs),
      signage: JSON.stringify(d.signage),
      divert_at: d.divertAt,
      hysteresis_pct: d.hysteresisPct,
      min_hold_seconds: d.minHoldSeconds,
    })
    .onConflict('area_id')
    .merge();
}

export async function loadZones(db: Knex, areaId: string): Promise<ZoneRow[]> {
  return db('zones').where({ area_id: areaId }).orderBy(['position', 'id']);
}

export async function loadZoneSettings(db: Knex, areaId: string): Promise<ZoneSettingsRow | undefined> {
  return db('zone_settings').where({ area_id: areaId }).first();
}

/** Areas with at least one zone: what the evaluator walks. */
export async function areasWithZones(db: Knex): Promise<string[]> {
  const rows = await db('zones').distinct('area_id').orderBy('area_id');
  return rows.map((r) => r.area_id);
}

/**
 * People in each zone today: gate entries − exits at the zone's scan points (the
 * ledger's `entrance_flow`, so the gate agents need no zone of their own) plus the
 * sensors' in − out reports, since local midnight. Never below zero.
 */
export async function zoneCounts(
  db: Knex,
  area: { id: string; timezone: string },
  zones: readonly Pick<ZoneRow, 'id' | 'entrances' | 'counters'>[],
  now: Date,
  date: string,
): Promise<Map<string, number>> {
  const entrances = [...new Set(zones.flatMap((z) => z.entrances))];
  const counters = [...new Set(zones.flatMap((z) => z.counters))];
  const [flow, counts] = await Promise.all([
    entrances.length
      ? db('entrance_flow as f')
          .where('f.area_id', area.id)
          .whereIn('f.entrance_id', entrances)
          .andWhere('f.minute', '>=', new Date(now.getTime() - 26 * 3_600_000))
          .whereRaw('(f.minute at time zone ?)::date = ?::date', [area.timezone, date])
          .groupBy('f.entrance_id')
          .select<{ id: string; net: number }[]>(
            'f.entrance_id as id',
            db.raw('sum(f.entries - f.exits)::int as net'),
          )
      : [],
    counters.length
      ? db('counter_counts')
          .where({ area_id: area.id, local_date: date })
          .whereIn('counter_id', counters)
          .groupBy('counter_id')
          .select<{ id: string; net: number }[]>(
            'counter_id as id',
            db.raw('sum(entries - exits)::int as net'),
          )
      : [],
  ]);
  const byEntrance = new Map(flow.map((r) => [r.id, r.net]));
  const byCounter = new Map(counts.map((r) => [r.id, r.net]));
  return new Map(
    zones.map((z) => {
      const n =
        z.entrances.reduce((s, e) => s + (byEntrance.get(e) ?? 0), 0) +
        z.counters.reduce((s, c) => s + (byCounter.get(c) ?? 0), 0);
      return [z.id, Math.max(0, n)];
    }),
  );
}

/** The evaluator's states of an area's zones, locked for the rest of the transaction. */
export async function lockZoneStates(
  trx: Knex.Transaction,
  areaId: string,
  zoneIds: readonly string[],
  now: Date,
): Promise<Map<string, DiversionState>> {
  // rows first (in id order), so concurrent evaluators queue on the same locks
  for (const zone_id of [...zoneIds].sort())
    await trx('zone_states')
      .insert({ area_id: areaId, zone_id, diverting: false, evaluated_at: now })
      .onConflict(['area_id', 'zone_id'])
      .ignore();
  const rows: ZoneStateRow[] = await trx('zone_states')
    .where({ area_id: areaId })
    .whereIn('zone_id', zoneIds)
    .orderBy('zone_id')
    .forUpdate();
  return new Map(
    rows.map((r) => [r.zone_id, { diverting: r.diverting, targetZoneId: r.target_zone_id, since: r.since }]),
  );
}

export async function saveZoneState(
  trx: Knex.Transaction,
  areaId: string,
  zoneId: string,
  s: DiversionState,
  now: Date,
): Promise<void> {
  await trx('zone_states')
    .where({ area_id: areaId, zone_id: zoneId })
    .update({ diverting: s.diverting, target_zone_id: s.targetZoneId, since: s.since, evaluated_at: now });
}

export type NewZoneMessage = Omit<
  ZoneMessageRow,
  'id' | 'status' | 'attempts' | 'last_error' | 'sent_at' | 'next_attempt_at'
>;

/**
 * Records new messages. An older message to the same endpoint about the same zone that
 * is still waiting for a retry is superseded: a screen must not show a stale "crowded"
 * after the newer "clear" (or the other way round) reached it.
 */
export async function insertZoneMessages(
  trx: Knex.Transaction,
  rows: readonly NewZoneMessage[],
): Promise<ZoneMessageRow[]> {
  if (!rows.length) return [];
  for (const r of rows)
    await trx('zone_messages')
      .where({ area_id: r.area_id, zone_id: r.zone_id, endpoint: r.endpoint, status: 'failed' })
      .whereNotNull('next_attempt_at')
      .update({ status: 'superseded', next_attempt_at: null });
  return trx('zone_messages')
    .insert([...rows])
    .returning('*');
}

/** One delivery's outcome: sent, or failed with when to try again (null: given up). */
export async function markZoneMessage(
  db: Knex,
  id: number,
  outcome: { sentAt: Date } | { error: string; retryAt: Date | null },
): Promise<void> {
  await db('zone_messages')
    .where({ id })
    .update({
      attempts: db.raw('attempts + 1'),
      ...('sentAt' in outcome
        ? { status: 'sent', sent_at: outcome.sentAt, last_error: null, next_attempt_at: null }
        : { status: 'failed', last_error: outcome.error.slice(0, 500), next_attempt_at: outcome.retryAt }),
    });
}

/**
 * An area's failed messages due for another try, claimed for `leaseMs` (their next
 * attempt moved on) so another replica's loop does not send them at the same time.
 */
export async function claimDueZoneMessages(
  db: Knex,
  areaId: string,
  now: Date,
  leaseMs: number,
  limit = 50,
): Promise<ZoneMessageRow[]> {
  return db.transaction(async (trx) => {
    const due: ZoneMessageRow[] = await trx('zone_messages')
      .where({ area_id: areaId, status: 'failed' })
      .where('next_attempt_at', '<=', now)
      .orderBy('id')
      .limit(limit)
      .forUpdate()
      .skipLocked();
    if (!due.length) return [];
    await trx('zone_messages')
      .whereIn(
        'id',
        due.map((m) => m.id),
      )
      .update({ next_attempt_at: new Date(now.getTime() + leaseMs) });
    return due;
  });
}

/** An area's message record, newest first. */
export async function zoneMessages(db: Knex, areaId: string, limit = 100): Promise<ZoneMessageRow[]> {
  return db('zone_messages').where({ area_id: areaId }).orderBy('id', 'desc').limit(limit);
}
