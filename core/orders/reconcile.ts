import type { Knex } from 'knex';
import { addDays, localParts } from '../time.js';
import type { Reservation } from '../inventory/inventory.js';
import { endHold, overdueHolds } from './lifecycle.js';
import { PRESALE_PREFIX } from '../presale/holds.js';
import { LIVE_STATUSES } from './model.js';
import type { OrderDeps } from './store.js';
import { releaseOrphanSeats } from '../combos/reconcile.js';

/**
 * Redis is a cache of what Postgres says is sold and held; this is where they are
 * made to agree again after a crash, a lost Redis, or a bug. Per area-day:
 *   1. holds past their expiry in Postgres are expired (stock released);
 *   2. a Redis reservation no live order points at is released, once it is older than
 *      the grace period (an order may be between its Redis step and its commit);
 *   3. a live order whose reservation is missing or different in Redis gets it
 *      re-recorded, under the order's row lock;
 *   4. the counters are recomputed from the reservation records.
 * It reports what it repaired; `scenic inventory rebuild` runs the same steps.
 */
export interface DriftReport {
  areaId: string;
  date: string;
  expired: number;
  orphansReleased: string[];
  adopted: string[];
  corrected: string[];
  counters: { field: string; was: number; now: number }[];
}

export const ORPHAN_GRACE_MS = 60_000;

interface LiveRes {
  orderId: string;
  slotId: string;
  channelId: string;
  units: number;
  idHashes: string[];
  held: boolean;
  expiresAt: number;
}

async function liveReservations(db: Knex, areaId: string, date: string): Promise<Map<string, LiveRes>> {
  const rows: {
    id: string;
    res_id: string;
    slot_id: string;
    channel_id: string;
    status: string;
    expires_at: Date | null;
    units: number;
    id_hash: string;
  }[] = await db('orders as o')
    .join('tickets as t', 't.order_id', 'o.id')
    // by the tickets' area-day: a joint order holds stock at every area of its tickets,
    // under the same reservation id (core/joint); an ordinary order's tickets are all at its own
    .where({ 't.area_id': areaId, 't.visit_date': date })
    .whereIn('o.status', LIVE_STATUSES)
    .whereIn('t.status', ['pending', 'valid'])
    .whereNull('t.capacity_released_at')
    .select(
      'o.id',
      'o.res_id',
      't.slot_id',
      'o.channel_id',
      'o.status',
      'o.expires_at',
      't.units',
      't.id_hash',
    );
  const out = new Map<string, LiveRes>();
  // waiting-list claims hold stock too, until they are used or lapse
  const claims = await db('waitlist')
    .where({ area_id: areaId, visit_date: date, state: 'claimable' })
    .select('id', 'slot_id', 'channel_id', 'units', 'claim_until');
  for (const c of claims)
    out.set(`wl-${c.id}`, {
      orderId: '',
      slotId: c.slot_id,
      channelId: c.channel_id,
      units: c.units,
      idHashes: [],
      held: true,
      expiresAt: c.claim_until?.getTime() ?? 0, // set with the claimable state (offerWaitlist)
    });
  for (const r of rows) {
    let e = out.get(r.res_id);
    if (!e) {
      e = {
        orderId: r.id,
        slotId: r.slot_id,
        channelId: r.channel_id,
        units: 0,
        idHashes: [],
        held: r.status === 'held',
        expiresAt: r.status === 'held' && r.expires_at ? r.expires_at.getTime() : 0,
      };
      out.set(r.res_id, e);
    }
    e.units += r.units;
    e.idHashes.push(r.id_hash);
  }
  return out;
}

const sameRes = (a: LiveRes, b: Reservation) =>
  a.units === b.units &&
  a.slotId === b.slotId &&
  a.channelId === b.channelId &&
  a.held === b.held &&
  [...a.idHashes].sort().join() === [...b.idHashes].sort().join();

export async function reconcileDay(
  d: OrderDeps,
  areaId: string,
  date: string,
  graceMs = ORPHAN_GRACE_MS,
): Promise<DriftReport> {
  const report: DriftReport = {
    areaId,
    date,
    expired: 0,
    orphansReleased: [],
    adopted: [],
    corrected: [],
    counters: [],
  };
  const now = d.clock.now().getTime();
  const plan = await d.catalog.plan(areaId, date);
  await d.inventory.init(areaId, date, plan);

  const pg = await liveReservations(d.db, areaId, date);
  const redis = await d.inventory.reservations(areaId, date);

  for (const [resId, r] of redis) {
    if (resId.startsWith(PRESALE_PREFIX)) {
      // Presale holds live in Redis only, by design: they are released when they expire.
      if (r.held && r.expiresAt <= now) {
        await d.inventory.release(areaId, date, resId, 'expired');
        report.orphansReleased.push(resId);
      }
      continue;
    }
    if (!pg.has(resId) && now - r.createdAt >= graceMs) {
      // Re-check under no lock is enough: nothing points at this id in Postgres, and a
      // new order always gets a new id.
      const again = await liveReservations(d.db, areaId, date);
      if (!again.has(resId)) {
        await d.inventory.release(areaId, date, resId, 'all');
        report.orphansReleased.push(resId);
      }
    }
  }

  for (const [resId, live] of pg) {
    const r = redis.get(resId);
    if (r && sameRes(live, r)) continue;
    if (!live.orderId) {
      // a waiting-list claim whose reservation vanished (Redis lost): record it again
      if (!r) {
        const channel = await d.catalog.channel(live.channelId);
        await d.inventory.reserve(
          {
            resId,
            areaId,
            date,
            slotId: live.slotId,
            channelId: live.channelId,
            channelKind: channel.kind,
            units: live.units,
            idHashes: [],
            expiresAt: live.expiresAt,
          },
          true,
        );
        report.adopted.push(resId);
      }
      continue;
    }
    await d.db.transaction(async (trx) => {
      // Lock the order and look again: a refund or payment may have been mid-flight.
      const o = await trx('orders')
        .where({ id: live.orderId })
        .forUpdate()
        .skipLocked()
        .first('status', 'res_id');
      if (!o || o.res_id !== resId || !LIVE_STATUSES.includes(o.status)) return;
      const fresh = (await liveReservations(trx, areaId, date)).get(resId);
      const cur = await d.inventory.reservation(areaId, date, resId);
      if (!fresh || (cur && sameRes(fresh, cur))) return;
      const channel = await d.catalog.channel(fresh.channelId);
      // one atomic step (give the drifted record's stock back, take what Postgres says):
      // a release then a reserve would let a sale take the difference in between
      await d.inventory.reserve(
        {
          resId,
          areaId,
          date,
          slotId: fresh.slotId,
          channelId: fresh.channelId,
          channelKind: channel.kind,
          units: fresh.units,
          idHashes: fresh.idHashes,
          expiresAt: fresh.held ? fresh.expiresAt : 0,
        },
        cur ? 'replace' : true,
      );
      (cur ? report.corrected : report.adopted).push(resId);
    });
  }
  // combo seats no live order points at (core/combos)
  report.orphansReleased.push(...(await releaseOrphanSeats(d, areaId, date, graceMs)));
  report.counters = await d.inventory.recount(areaId, date);
  return report;
}

/** Area-days worth checking: any with live orders from yesterday on, plus any Redis holds. */
export async function daysToReconcile(
  d: OrderDeps,
  redisDays: { areaId: string; date: string }[] = [],
): Promise<{ areaId: string; date: string }[]> {
  const areas = await d.db('areas').select('id', 'timezone');
  const seen = new Map<string, { areaId: string; date: string }>();
  for (const a of areas) {
    const from = addDays(localParts(d.clock.now(), a.timezone).date, -1);
    const rows = await d
      .db('orders')
      .distinct('visit_date')
      .where({ area_id: a.id })
      .andWhere('visit_date', '>=', from)
      .whereIn('status', LIVE_STATUSES);
    for (const r of rows) seen.set(`${a.id}|${r.visit_date}`, { areaId: a.id, date: r.visit_date });
  }
  for (const x of redisDays) seen.set(`${x.areaId}|${x.date}`, x);
  return [...seen.values()];
}

/** One full pass: expire overdue holds, then reconcile every area-day that matters. */
export async function reconcileAll(
  d: OrderDeps,
  redisDays: { areaId: string; date: string }[] = [],
  graceMs = ORPHAN_GRACE_MS,
): Promise<DriftReport[]> {
  let expired = 0;
  for (const id of await overdueHolds(d)) if (await endHold(d, id, 'expired')) expired++;
  const reports: DriftReport[] = [];
  for (const day of await daysToReconcile(d, redisDays))
    reports.push(await reconcileDay(d, day.areaId, day.date, graceMs));
  if (reports[0]) reports[0].expired = expired;
  return reports;
}

export const hasDrift = (r: DriftReport) =>
  r.orphansReleased.length + r.adopted.length + r.corrected.length + r.counters.length > 0;
