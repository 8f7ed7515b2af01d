import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { Knex } from 'knex';
import { z } from 'zod';
import { systemClock, type Clock } from '../core/clock.js';
import { DomainError, inputError, notAllowed, unauthenticated } from '../core/errors.js';
import type { Redis } from '../core/redis/client.js';
import { hitLimit } from './rate-limit.js';
import { addDays, localTime } from '../core/time.js';
import type { Logger } from '../core/log.js';
import type { PiiVault } from '../core/pii/crypto.js';
import { parseInput } from '../core/validation.js';
import { authenticateGate, recordGateHealth, type GateDevice } from '../core/checkin/devices.js';
import { areaTimezone, loadEntranceRules } from '../core/checkin/entrance-rules.js';
import { ingestJournal, precheck } from '../core/checkin/ledger.js';
import {
  changesPage,
  gatePublicKeys,
  idHashesFor,
  manifestPage,
  ticketsOfIdNumber,
} from '../core/checkin/manifest.js';
import { presenceOf } from '../core/checkin/presence.js';
import { ingestScanPointJournal, redeemAtScanPoint, scanPointOf } from '../core/combos/scan.js';
import {
  GATE_BODY_LIMIT_BYTES,
  HealthReport,
  ID_LOOKUP_MAX_TICKETS,
  IdLookupRequest,
  JournalBatch,
  PrecheckRequest,
} from '../core/checkin/protocol.js';

/**
 * The gate audience (`/gate/v1`): what an edge gate agent needs to work offline and
 * to sync. Every route needs a gate device credential `sgd1.<gateId>.<secret>` (see
 * core/checkin/devices.ts) in `X-Scenic-Gate-Credential` (or `Authorization: Bearer`);
 * the device fixes the area and entrance, so no route takes them as input.
 *
 * Mounting: `app.use('/gate/v1', createGateRouter(platform))` — a `Platform` satisfies
 * {@link GateRouterDeps}. The credential is checked before a byte of the body is read,
 * and bodies are parsed with a limit sized by the protocol's largest message (a journal
 * batch of JOURNAL_BATCH_MAX entries): an anonymous caller cannot make the API parse
 * megabytes of JSON.
 */
export interface GateRouterDeps {
  db: Knex;
  /** Decrypts ID numbers to hash them with the area-day manifest key. */
  vault: PiiVault;
  log: Logger;
  clock?: Clock;
  /** How old a ticket change must be before gate cursors move past it (default 60 s). */
  changeSettleMs?: number;
  /** Shares the ID-lookup limits between API replicas; without it they are per process. */
  redis?: Redis;
  /** A handheld's online ID lookups (17.5): per minute and per hour (default 30 and 600). */
  idLookupLimits?: { perMinute: number; perHour: number };
}

/** Fixed windows in this process, when no Redis is given (tests mounting the router alone). */
function localLimiter() {
  const counts = new Map<string, number>();
  return (name: string, limit: number, windowSeconds: number, nowMs: number) => {
    const key = `${name}:${Math.floor(nowMs / 1000 / windowSeconds)}`;
    const n = (counts.get(key) ?? 0) + 1;
    counts.set(key, n);
    if (counts.size > 10_000) counts.clear();
    return n <= limit;
  };
}

const DateQuery = z.object({
  date: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD')
    .optional(),
});
const ManifestQuery = DateQuery.extend({
  after: z.string().uuid().optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(5_000),
});
const ChangesQuery = DateQuery.extend({
  cursor: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(10_000).default(2_000),
});

/**
 * The header gate agents send their credential in. `Authorization: Bearer sgd1...` is
 * accepted too, but a dedicated header passes through the API's app-wide
 * authentication middleware untouched wherever the router is mounted.
 */
export const GATE_CREDENTIAL_HEADER = 'x-scenic-gate-credential';

const gateOf = (res: Response): GateDevice => res.locals.gate as GateDevice;

export function createGateRouter(deps: GateRouterDeps): Router {
  const { db, vault } = deps;
  const clock = deps.clock ?? systemClock;
  const router = express.Router();

  // Authentication first: nothing of the body is read for a caller without a credential.
  router.use(async (req: Request, res: Response, next: NextFunction) => {
    const bearer = /^Bearer\s+(sgd1\.\S+)$/i.exec(req.get('authorization') ?? '')?.[1];
    const credential = req.get(GATE_CREDENTIAL_HEADER) ?? bearer;
    if (!credential)
      throw unauthenticated(
        'gate_credential_required',
        `a gate device credential is required (${GATE_CREDENTIAL_HEADER} or Authorization: Bearer sgd1...)`,
      );
    res.locals.gate = await authenticateGate(db, credential, clock);
    next();
  });
  router.use(express.json({ limit: GATE_BODY_LIMIT_BYTES, strict: true }));

  /**
   * The day a request is about: `?date=` or the area's local today. Only yesterday, today
   * and tomorrow: a day's manifest carries that day's ID-hash key, and a stolen device
   * must not collect the keys (and hashes) of every other day to guess ID numbers offline.
   */
  const dayOf = async (gate: GateDevice, date: string | undefined) => {
    const today = localTime(clock.now(), (await areaTimezone(db, gate.areaId)).timezone).date;
    if (date === undefined) return today;
    if (date < addDays(today, -1) || date > addDays(today, 1)) {
      throw inputError(
        'date_out_of_range',
        `a gate syncs only yesterday, today or tomorrow (area time: today is ${today})`,
        [{ path: 'date', message: 'out of range' }],
      );
    }
    return date;
  };

  router.get('/keys', async (_req, res) => {
    res.json(await gatePublicKeys(db, clock.now()));
  });

  router.get('/rules', async (_req, res) => {
    const gate = gateOf(res);
    const rules = await loadEntranceRules(db, gate.areaId, gate.entranceId);
    const presence = await presenceOf(
      db,
      gate.areaId,
      localTime(clock.now(), rules.timezone).date,
      rules.instantCapacity,
    );
    res.json({ gate: { id: gate.id, kind: gate.kind }, rules, presence });
  });

  router.get('/manifest', async (req, res) => {
    const gate = gateOf(res);
    const q = parseInput(ManifestQuery, req.query);
    const day = await dayOf(gate, q.date);
    const today = await dayOf(gate, undefined);
    res.json(
      await manifestPage(
        db,
        vault,
        gate,
        day,
        q.after ?? null,
        q.limit,
        deps.changeSettleMs,
        idHashesFor(gate, day, today),
      ),
    );
  });

  router.get('/changes', async (req, res) => {
    const gate = gateOf(res);
    const q = parseInput(ChangesQuery, req.query);
    const { timezone, instantCapacity } = await areaTimezone(db, gate.areaId);
    const presence = await presenceOf(
      db,
      gate.areaId,
      localTime(clock.now(), timezone).date,
      instantCapacity,
    );
    const day = await dayOf(gate, q.date ?? presence.date);
    res.json(
      await changesPage(
        db,
        vault,
        gate,
        day,
        q.cursor,
        q.limit,
        presence,
        deps.changeSettleMs,
        idHashesFor(gate, day, presence.date),
      ),
    );
  });

  router.get('/presence', async (_req, res) => {
    const gate = gateOf(res);
    const { timezone, instantCapacity } = await areaTimezone(db, gate.areaId);
    res.json(await presenceOf(db, gate.areaId, localTime(clock.now(), timezone).date, instantCapacity));
  });

  router.post('/journal', async (req, res) => {
    const batch = parseInput(JournalBatch, req.body);
    // a combo component's door redeems that component, never an area entry (core/combos)
    const sp = await scanPointOf(db, gateOf(res));
    if (sp) return void res.json(await ingestScanPointJournal(db, sp, batch.entries, clock));
    res.json(await ingestJournal(db, gateOf(res), batch.entries, clock));
  });

  router.post('/precheck', async (req, res) => {
    const body = parseInput(PrecheckRequest, req.body);
    const sp = await scanPointOf(db, gateOf(res));
    if (sp) return void res.json(await redeemAtScanPoint(db, sp, body, clock));
    const out = await precheck(db, gateOf(res), body, clock);
    res.json({
      admit: out.decision.admit,
      reason: out.decision.reason,
      display: out.display,
      presence: out.presence,
      staffChecks: out.staffChecks,
      ...(out.priorityLane ? { priorityLane: true } : {}),
      ...(out.group ? { group: out.group } : {}),
    });
  });

  /**
   * A handheld's ID card (17.5): handhelds get no ID-number hashes, so each number read is
   * asked here, one at a time, rate-limited per device — the answer names today's tickets
   * of the handheld's own area the number holds, and nothing else. A stolen handheld can
   * ask about a number it already has, slowly, until its credential is revoked; it never
   * receives anything to search offline.
   */
  const limits = deps.idLookupLimits ?? { perMinute: 30, perHour: 600 };
  const local = localLimiter();
  const underLimit = async (gate: GateDevice) => {
    const now = () => clock.now().getTime();
    for (const [name, limit, windowSeconds] of [
      ['idlookup-m', limits.perMinute, 60],
      ['idlookup-h', limits.perHour, 3600],
    ] as const) {
      if (deps.redis) await hitLimit(deps.redis, { name, limit, windowSeconds, now }, `gate:${gate.id}`);
      else if (!local(`${name}:${gate.id}`, limit, windowSeconds, now())) {
        const retry = windowSeconds - (Math.floor(now() / 1000) % windowSeconds);
        throw new DomainError('rate-limited', 'rate_limited', `too many requests; retry in ${retry} s`, {
          retryAfterSeconds: retry,
          limit,
        });
      }
    }
  };
  router.post('/id-lookup', async (req, res) => {
    const gate = gateOf(res);
    if (gate.kind !== 'handheld')
      throw notAllowed(
        'id_lookup_handheld_only',
        'only handhelds look ID numbers up online; turnstiles hold today’s hashes',
      );
    const { idNumber } = parseInput(IdLookupRequest, req.body);
    await underLimit(gate);
    const today = await dayOf(gate, undefined);
    const tickets = await ticketsOfIdNumber(db, vault, gate, today, idNumber, ID_LOOKUP_MAX_TICKETS);
    deps.log.info({ gate: gate.id, found: tickets.length }, 'handheld ID lookup');
    res.setHeader('cache-control', 'no-store');
    res.json({ tickets });
  });

  router.post('/health', async (req, res) => {
    const report = parseInput(HealthReport, req.body);
    await recordGateHealth(db, gateOf(res), report, clock);
    res.status(204).end();
  });

  return router;
}
