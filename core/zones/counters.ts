import type { Knex } from 'knex';
import type { Redis } from '../redis/client.js';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import { DomainError, conflict, inputError, notAllowed, notFound, unauthenticated } from '../errors.js';
import { secretToken } from '../ids.js';
import type { PiiVault } from '../pii/crypto.js';
import { localTime } from '../time.js';
import { MAX_SKEW_SECONDS, parseSignatureHeaders, verifySignature } from '../channels/signature.js';
import { COUNTER_ID } from './model.js';

/**
 * People-counting sensors (issue 21). A sensor signs each report the way partners sign
 * their calls (`SCENIC-HMAC-SHA256`, core/channels/signature.ts: key id, Unix timestamp
 * within ±300 s, a fresh nonce, the body's SHA-256), with its own key id (the sensor id)
 * and secret. The secret is sealed with the PII vault (the server must hold it to check
 * an HMAC); it is shown once, at registration. A nonce is claimed in Redis only after
 * the signature verified, so forged requests cannot burn a sensor's nonces.
 */
export interface CounterDevice {
  id: string;
  areaId: string;
}

export async function registerCounter(
  db: Knex,
  vault: PiiVault,
  d: CounterDevice,
  clock: Clock,
): Promise<{ counter: CounterDevice; keyId: string; secret: string }> {
  if (!COUNTER_ID.test(d.id))
    throw inputError('invalid_counter_id', 'counter id must be lower-case letters, digits and dashes');
  const secret = secretToken(32);
  await db('counter_devices')
    .insert({
      id: d.id,
      area_id: d.areaId,
      secret_enc: vault.encrypt(secret),
      created_at: clock.now(),
      revoked_at: null,
    })
    .onConflict('id')
    .merge(['area_id', 'secret_enc', 'revoked_at']);
  return { counter: d, keyId: d.id, secret };
}

export async function revokeCounter(db: Knex, id: string, clock: Clock): Promise<void> {
  const n = await db('counter_devices').where({ id }).update({ revoked_at: clock.now() });
  if (!n) throw notFound('counter_not_found', `no counter ${id.slice(0, 64)}`);
}

export interface SignedDeviceRequest {
  method: string;
  /** the Host header the request arrived with: signed, so a report cannot be replayed to another host */
  host: string;
  path: string;
  query: string;
  headers: Record<string, string | string[] | undefined>;
  body: Uint8Array;
}

/** Verifies a sensor's signed request; the sensor, or a DomainError naming why not. */
export async function authenticateCounter(
  db: Knex,
  redis: Redis,
  vault: PiiVault,
  req: SignedDeviceRequest,
  clock: Clock,
): Promise<CounterDevice> {
  const parsed = parseSignatureHeaders(req.headers);
  if (!parsed.ok) throw new DomainError('authentication', parsed.reason, parsed.detail);
  const sig = parsed.value;
  const row = COUNTER_ID.test(sig.keyId)
    ? await db('counter_devices').where({ id: sig.keyId }).first()
    : undefined;
  if (!row || row.revoked_at)
    throw unauthenticated('unknown_counter', `counter ${sig.keyId.slice(0, 64)} is unknown or revoked`);
  const now = clock.now();
  const v = verifySignature(sig, req, vault.decrypt(row.secret_enc), now.getTime());
  if (!v.ok) throw new DomainError('authentication', v.reason, v.detail);
  const fresh = await redis.set(`cnonce:${row.id}:${sig.nonce}`, '1', 'EX', 2 * MAX_SKEW_SECONDS + 60, 'NX');
  if (!fresh)
    throw unauthenticated('nonce_reused', 'this nonce was already used; sign every report with a new nonce');
  if (!row.last_seen_at || now.getTime() - row.last_seen_at.getTime() > 10_000)
    await db('counter_devices').where({ id: row.id }).update({ last_seen_at: now });
  return { id: row.id, areaId: row.area_id };
}

/** One report: people in and out since the sensor's previous report. */
export const CountReport = z
  .object({
    /** the sensor's own id for this report: a resend of it counts once */
    countId: z.uuid(),
    /** the end of the counted period */
    at: z.iso.datetime({ offset: true }),
    entries: z.number().int().min(0).max(100_000),
    exits: z.number().int().min(0).max(100_000),
  })
  .strict();
export type CountReport = z.output<typeof CountReport>;

/** How far a report's own time may be from the server's (a sensor that buffered while offline). */
export const COUNT_WINDOW_MS = 3_600_000;

/**
 * Records a sensor's report for its area's local day. A sensor no zone declares is
 * refused (its people would count nowhere); a report id sent again with the same
 * numbers is a no-op, with other numbers a conflict.
 */
export async function recordCount(
  db: Knex,
  counter: CounterDevice,
  report: CountReport,
  clock: Clock,
): Promise<{ recorded: boolean; zones: string[] }> {
  const now = clock.now();
  const at = new Date(report.at);
  if (Math.abs(at.getTime() - now.getTime()) > COUNT_WINDOW_MS)
    throw inputError('count_out_of_window', 'a report must be within an hour of server time', [
      { path: 'at', message: 'out of window' },
    ]);
  const zones = await db('zones')
    .where({ area_id: counter.areaId })
    .whereRaw('? = any(counters)', [counter.id])
    .select('id');
  if (!zones.length)
    throw notAllowed('counter_not_in_zone', `counter ${counter.id} feeds no zone of area ${counter.areaId}`);
  const area = await db('areas').where({ id: counter.areaId }).first('timezone');
  const row = {
    count_id: report.countId.toLowerCase(),
    counter_id: counter.id,
    area_id: counter.areaId,
    local_date: localTime(at, area?.timezone ?? 'Asia/Shanghai').date,
    counted_at: at,
    received_at: now,
    entries: report.entries,
    exits: report.exits,
  };
  const got = await db('counter_counts').insert(row).onConflict('count_id').ignore().returning('count_id');
  if (!got.length) {
    const prev = await db('counter_counts').where({ count_id: row.count_id }).first();
    if (
      !prev ||
      prev.counter_id !== row.counter_id ||
      prev.entries !== row.entries ||
      prev.exits !== row.exits
    )
      throw conflict('count_id_reused', 'this countId was already sent with other numbers');
  }
  return { recorded: got.length > 0, zones: zones.map((z) => z.id) };
}
