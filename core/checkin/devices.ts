import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Knex } from 'knex';
import type { Clock } from '../clock.js';
import { inputError, notFound, unauthenticated } from '../errors.js';
import type { GateDeviceRow } from '../db/tables.js';

/**
 * Gate devices and their credentials.
 *
 * A credential is `sgd1.<gateId>.<secret>` (secret: 32 random bytes, base64url),
 * shown once when the device is registered. The server stores only SHA-256 of the
 * secret; a leaked database does not let anyone act as a gate. A device is bound to
 * one area and entrance and has a kind: `turnstile`, or `handheld` (may admit a whole
 * order in one scan). Revoking a device stops its credential at once.
 */
export type GateKind = GateDeviceRow['kind'];

export interface GateDevice {
  id: string;
  areaId: string;
  entranceId: string;
  kind: GateKind;
}

const PREFIX = 'sgd1';
const GATE_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

const hashSecret = (secret: string) => createHash('sha256').update(secret, 'utf8').digest();

/**
 * Registers a gate device (or re-keys an existing one) and returns its credential.
 * The credential is not stored and cannot be shown again.
 */
export async function registerGateDevice(
  db: Knex,
  d: GateDevice,
  clock: Clock,
): Promise<{ device: GateDevice; credential: string }> {
  if (!GATE_ID.test(d.id))
    throw inputError('invalid_gate_id', 'gate id must be lower-case letters, digits and dashes');
  const entrance = await db('entrances').where({ id: d.entranceId, area_id: d.areaId }).first();
  if (!entrance) throw notFound('entrance_not_found', `no entrance ${d.entranceId} in area ${d.areaId}`);
  const secret = randomBytes(32).toString('base64url');
  const row = {
    id: d.id,
    area_id: d.areaId,
    entrance_id: d.entranceId,
    kind: d.kind,
    credential_hash: hashSecret(secret).toString('hex'),
    created_at: clock.now(),
    revoked_at: null,
  };
  await db('gate_devices')
    .insert(row)
    .onConflict('id')
    .merge(['area_id', 'entrance_id', 'kind', 'credential_hash', 'revoked_at']);
  return { device: d, credential: `${PREFIX}.${d.id}.${secret}` };
}

export async function revokeGateDevice(db: Knex, gateId: string, clock: Clock): Promise<void> {
  const n = await db('gate_devices').where({ id: gateId }).update({ revoked_at: clock.now() });
  if (!n) throw notFound('gate_not_found', `no gate ${gateId}`);
}

/** Parses `sgd1.<gateId>.<secret>`; undefined when it is not one. */
export function parseCredential(credential: string): { gateId: string; secret: string } | undefined {
  const parts = credential.split('.');
  if (parts.length !== 3 || parts[0] !== PREFIX) return undefined;
  const [, gateId, secret] = parts as [string, string, string];
  if (!GATE_ID.test(gateId) || !/^[A-Za-z0-9_-]{43}$/.test(secret)) return undefined;
  return { gateId, secret };
}

/** Resolves a presented credential to its device, or throws `authentication`. */
export async function authenticateGate(db: Knex, credential: string, clock: Clock): Promise<GateDevice> {
  const parsed = parseCredential(credential);
  if (!parsed) throw unauthenticated('invalid_gate_credential', 'not a gate credential');
  const row = await db('gate_devices').where({ id: parsed.gateId }).first();
  const expected = row ? Buffer.from(row.credential_hash, 'hex') : hashSecret('no such gate');
  const ok = timingSafeEqual(expected, hashSecret(parsed.secret)) && row !== undefined;
  if (!ok || !row) throw unauthenticated('invalid_gate_credential', 'unknown gate or wrong credential');
  if (row.revoked_at) throw unauthenticated('gate_revoked', `gate ${row.id} has been revoked`);
  const now = clock.now();
  // Seen-at is a health figure, not an audit trail: written at most every 10 s so the
  // online pre-check does not pay a write per scan.
  if (!row.last_seen_at || now.getTime() - row.last_seen_at.getTime() > 10_000) {
    await db('gate_devices').where({ id: row.id }).update({ last_seen_at: now });
  }
  return { id: row.id, areaId: row.area_id, entranceId: row.entrance_id, kind: row.kind };
}

/** Stores a gate's own health report (last sync, journal backlog, offline since). */
export async function recordGateHealth(
  db: Knex,
  gate: GateDevice,
  report: {
    journalBacklog: number;
    offlineSince: string | null;
    lastSyncAt: string | null;
    [k: string]: unknown;
  },
  clock: Clock,
): Promise<void> {
  await db('gate_devices')
    .where({ id: gate.id })
    .update({
      journal_backlog: report.journalBacklog,
      offline_since: report.offlineSince ? new Date(report.offlineSince) : null,
      last_seen_at: clock.now(),
      health: { ...report, reportedAt: clock.now().toISOString() },
    });
}

export interface GateHealthRow {
  id: string;
  entranceId: string;
  kind: GateKind;
  lastSeenAt: string | null;
  lastSyncAt: string | null;
  journalBacklog: number;
  offlineSince: string | null;
  revoked: boolean;
}

/** Health of every gate of an area, for the crowd screen and alerts. */
export async function listGateHealth(db: Knex, areaId: string): Promise<GateHealthRow[]> {
  const rows = await db('gate_devices').where({ area_id: areaId }).orderBy('id').select('*');
  return rows.map((r) => ({
    id: r.id,
    entranceId: r.entrance_id,
    kind: r.kind,
    lastSeenAt: r.last_seen_at?.toISOString() ?? null,
    lastSyncAt: r.last_sync_at?.toISOString() ?? null,
    journalBacklog: r.journal_backlog,
    offlineSince: r.offline_since?.toISOString() ?? null,
    revoked: r.revoked_at !== null,
  }));
}
