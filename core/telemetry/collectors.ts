import type { Knex } from 'knex';
import type { AreaRow as Area } from '../db/tables.js';
import type { Redis } from '../redis/client.js';
import type { Clock } from '../clock.js';
import type { Inventory } from '../inventory/inventory.js';
import { LEVELS } from '../inventory/events.js';
import { addDays, localParts } from '../time.js';
import type { Collector, Sample, ScenicMetrics } from './metrics.js';

/**
 * Scrape-time readers of the data plane's state. They read what the platform really
 * holds (Redis counters, the books, the redemption ledger, gate health), so dashboards
 * never drift from a bookkeeping of their own. Each is one bounded query or pipeline.
 */

/** A gate is online when it reported within this time (gates report every 10 s by default). */
export const GATE_ONLINE_WITHIN_MS = 60_000;

type AreaRow = Pick<Area, 'id' | 'timezone' | 'instant_capacity'>;

export interface DataPlaneSources {
  db: Knex;
  /** a connection with the deployment's key prefix */
  redis: Redis;
  inventory: Inventory;
  clock: Clock;
  /** area-days from today to today + daysAhead (local dates) are exported */
  daysAhead: number;
}

export function dataPlaneCollector(s: DataPlaneSources): Collector {
  return async () => {
    const now = s.clock.now();
    const areas = await s.db('areas').select('id', 'timezone', 'instant_capacity');
    const today = new Map(areas.map((a) => [a.id, localParts(now, a.timezone).date]));
    const [inv, tickets, presence, flow, gates, rooms, doubles] = await Promise.all([
      inventorySamples(s, areas, today),
      ticketSamples(s, today),
      presenceSamples(s.db, areas, today),
      flowSamples(s.db, now),
      gateSamples(s.db, now),
      waitingRoomSamples(s.redis, areas),
      doubleEntrySamples(s.db, areas),
    ]);
    return [...inv, ...tickets, ...presence, ...flow, ...gates, ...rooms, ...doubles];
  };
}

async function inventorySamples(
  s: DataPlaneSources,
  areas: AreaRow[],
  today: Map<string, string>,
): Promise<Sample[]> {
  const out: Sample[] = [];
  const jobs: Promise<void>[] = [];
  for (const a of areas) {
    for (let i = 0; i <= s.daysAhead; i++) {
      const day = addDays(today.get(a.id)!, i);
      jobs.push(
        s.inventory.snapshot(a.id, day).then((snap) => {
          if (!snap.initialised) return;
          const l = { area: a.id, day };
          out.push(
            { name: 'scenic_capacity_used', labels: l, value: snap.used },
            { name: 'scenic_capacity_limit', labels: l, value: snap.capacity },
            { name: 'scenic_capacity_level', labels: l, value: LEVELS.indexOf(snap.level) },
            {
              name: 'scenic_capacity_threshold',
              labels: { ...l, level: 'yellow' },
              value: snap.limits.yellow,
            },
            {
              name: 'scenic_capacity_threshold',
              labels: { ...l, level: 'orange' },
              value: snap.limits.orange,
            },
            { name: 'scenic_capacity_threshold', labels: { ...l, level: 'red' }, value: snap.limits.red },
          );
          for (const [slot, v] of Object.entries(snap.slots)) {
            out.push(
              { name: 'scenic_slot_used', labels: { ...l, slot }, value: v.used },
              { name: 'scenic_slot_capacity', labels: { ...l, slot }, value: v.capacity },
            );
          }
          for (const [channel, v] of Object.entries(snap.channels))
            out.push({ name: 'scenic_channel_used', labels: { ...l, channel }, value: v.used });
        }),
      );
    }
  }
  await Promise.all(jobs);
  return out;
}

/** Tickets in the books per area-day, channel and state, for the exported days. */
async function ticketSamples(s: DataPlaneSources, today: Map<string, string>): Promise<Sample[]> {
  if (!today.size) return [];
  const days = [...today.values()].sort();
  const from = days[0]!;
  const to = addDays(days.at(-1)!, s.daysAhead);
  const rows = await s
    .db('tickets as t')
    .join('orders as o', 'o.id', 't.order_id')
    .whereBetween('t.visit_date', [from, to])
    .whereIn('t.status', ['pending', 'valid', 'refunded'])
    .groupBy('t.area_id', 't.visit_date', 'o.channel_id', 'state')
    .select<{ area_id: string; day: string; channel_id: string; state: string; n: number }[]>(
      't.area_id',
      s.db.raw('t.visit_date::text as day'),
      'o.channel_id',
      s.db.raw(
        `case when t.status = 'pending' then 'held' when t.status = 'refunded' then 'refunded' when t.entries_used > 0 then 'used' else 'sold' end as state`,
      ),
      s.db.raw('count(*)::int as n'),
    );
  return rows
    .filter((r) => {
      const t = today.get(r.area_id);
      return t !== undefined && r.day >= t && r.day <= addDays(t, s.daysAhead);
    })
    .map((r) => ({
      name: 'scenic_tickets',
      labels: { area: r.area_id, day: r.day, channel: r.channel_id, state: r.state },
      value: r.n,
    }));
}

async function presenceSamples(db: Knex, areas: AreaRow[], today: Map<string, string>): Promise<Sample[]> {
  if (!areas.length) return [];
  const rows = await db('area_presence')
    .whereIn('day', [...new Set(today.values())])
    .select<{ area_id: string; day: string; entries: number; exits: number }[]>(
      'area_id',
      db.raw('day::text as day'),
      'entries',
      'exits',
    );
  const out: Sample[] = [];
  for (const a of areas) {
    const p = rows.find((r) => r.area_id === a.id && r.day === today.get(a.id));
    out.push({
      name: 'scenic_in_park',
      labels: { area: a.id },
      value: p ? Math.max(0, p.entries - p.exits) : 0,
    });
    out.push({ name: 'scenic_instant_capacity', labels: { area: a.id }, value: a.instant_capacity });
  }
  return out;
}

/** Gate openings per entrance since local midnight of each area. */
async function flowSamples(db: Knex, now: Date): Promise<Sample[]> {
  const rows = await db('entrance_flow as f')
    .join('areas as a', 'a.id', 'f.area_id')
    .where('f.minute', '>=', new Date(now.getTime() - 26 * 3_600_000))
    .whereRaw('(f.minute at time zone a.timezone)::date = (?::timestamptz at time zone a.timezone)::date', [
      now,
    ])
    .groupBy('f.area_id', 'f.entrance_id')
    .select<{ area_id: string; entrance_id: string; entries: number; exits: number }[]>(
      'f.area_id',
      'f.entrance_id',
      db.raw('sum(f.entries)::int as entries'),
      db.raw('sum(f.exits)::int as exits'),
    );
  return rows.flatMap((r) => [
    {
      name: 'scenic_entrance_passages_total' as const,
      labels: { area: r.area_id, entrance: r.entrance_id, direction: 'in' },
      value: r.entries,
    },
    {
      name: 'scenic_entrance_passages_total' as const,
      labels: { area: r.area_id, entrance: r.entrance_id, direction: 'out' },
      value: r.exits,
    },
  ]);
}

/** Gate agents per entrance, online or not, from the health they report to the centre. */
async function gateSamples(db: Knex, now: Date): Promise<Sample[]> {
  const rows = await db('gate_devices')
    .whereNull('revoked_at')
    .select('area_id', 'entrance_id', 'created_at', 'last_seen_at', 'journal_backlog');
  const by = new Map<
    string,
    { area: string; entrance: string; online: number; offline: number; maxOffline: number; backlog: number }
  >();
  for (const r of rows) {
    const k = `${r.area_id}|${r.entrance_id}`;
    const e = by.get(k) ?? {
      area: r.area_id,
      entrance: r.entrance_id,
      online: 0,
      offline: 0,
      maxOffline: 0,
      backlog: 0,
    };
    const seen = (r.last_seen_at ?? r.created_at).getTime();
    if (now.getTime() - seen <= GATE_ONLINE_WITHIN_MS) e.online++;
    else {
      e.offline++;
      e.maxOffline = Math.max(e.maxOffline, (now.getTime() - seen) / 1000);
    }
    e.backlog += r.journal_backlog;
    by.set(k, e);
  }
  return [...by.values()].flatMap((e) => {
    const l = { area: e.area, entrance: e.entrance };
    return [
      { name: 'scenic_gates' as const, labels: { ...l, state: 'online' }, value: e.online },
      { name: 'scenic_gates' as const, labels: { ...l, state: 'offline' }, value: e.offline },
      { name: 'scenic_gate_offline_seconds_max' as const, labels: l, value: Math.round(e.maxOffline) },
      { name: 'scenic_gate_reported_backlog' as const, labels: l, value: e.backlog },
    ];
  });
}

/**
 * Open check-in flags per area and kind (0 when none, so an alert sees the figure drop
 * back): double entries, and entries on tickets refunded or rescheduled before the
 * gate's journal arrived (17.4).
 */
async function doubleEntrySamples(db: Knex, areas: AreaRow[]): Promise<Sample[]> {
  if (!areas.length) return [];
  const rows = await db('checkin_flags')
    .where({ status: 'open' })
    .groupBy('area_id', 'kind')
    .select<{ area_id: string; kind: string; n: number }[]>('area_id', 'kind', db.raw('count(*)::int as n'));
  const open = new Map(rows.map((r) => [`${r.kind}|${r.area_id}`, r.n]));
  return areas.flatMap((a) => [
    {
      name: 'scenic_double_entries_open' as const,
      labels: { area: a.id },
      value: open.get(`double_entry|${a.id}`) ?? 0,
    },
    {
      name: 'scenic_used_after_refund_open' as const,
      labels: { area: a.id },
      value: open.get(`used_after_refund|${a.id}`) ?? 0,
    },
  ]);
}

/** The presale waiting room of each area (core/presale): buyers joined and admitted. */
async function waitingRoomSamples(redis: Redis, areas: AreaRow[]): Promise<Sample[]> {
  if (!areas.length) return [];
  // one command per area, not a pipeline: on a cluster the areas' rooms sit on different
  // masters, and an ioredis pipeline must stay on one
  const res = await Promise.all(
    areas.map((a) =>
      redis.hmget(`wr:{${a.id}}`, 'seq', 'front').then(
        (v): [Error | null, unknown] => [null, v],
        (e: Error): [Error | null, unknown] => [e, null],
      ),
    ),
  );
  const out: Sample[] = [];
  areas.forEach((a, i) => {
    const [err, v] = res[i] ?? [null, null];
    if (err || !Array.isArray(v) || v[1] === null) return; // no room configured
    const joined = Number(v[0] ?? 0);
    const front = Number(v[1]);
    out.push(
      { name: 'scenic_waiting_room_joined', labels: { area: a.id }, value: joined },
      { name: 'scenic_waiting_room_admitted', labels: { area: a.id }, value: Math.min(joined, front) },
    );
  });
  return out;
}

/** What the queue collector needs of a BullMQ queue (core/ does not import bullmq). */
type JobState = 'wait' | 'prioritized' | 'active' | 'delayed' | 'failed';
export interface QueueLike {
  name: string;
  getJobCounts(...types: JobState[]): Promise<Record<string, number>>;
  getJobs(
    types: JobState[],
    start?: number,
    end?: number,
    asc?: boolean,
  ): Promise<({ timestamp: number } | undefined)[]>;
}

/** Depth per state and age of the oldest waiting job, per queue. */
export function queueCollector(queues: readonly QueueLike[], clock: Clock): Collector {
  return async () => {
    const out: Sample[] = [];
    await Promise.all(
      queues.map(async (q) => {
        const [c, oldest] = await Promise.all([
          q.getJobCounts('wait', 'prioritized', 'active', 'delayed', 'failed'),
          q.getJobs(['wait', 'prioritized'], 0, 0, true),
        ]);
        out.push(
          {
            name: 'scenic_queue_jobs',
            labels: { queue: q.name, state: 'waiting' },
            value: (c.wait ?? 0) + (c.prioritized ?? 0),
          },
          { name: 'scenic_queue_jobs', labels: { queue: q.name, state: 'active' }, value: c.active ?? 0 },
          { name: 'scenic_queue_jobs', labels: { queue: q.name, state: 'delayed' }, value: c.delayed ?? 0 },
          { name: 'scenic_queue_jobs', labels: { queue: q.name, state: 'failed' }, value: c.failed ?? 0 },
          {
            name: 'scenic_queue_oldest_waiting_seconds',
            labels: { queue: q.name },
            value: oldest[0] ? Math.max(0, (clock.now().getTime() - oldest[0].timestamp) / 1000) : 0,
          },
        );
      }),
    );
    return out;
  };
}

/**
 * Probes Redis and Postgres with a trivial command every `everyMs` and records the
 * round trip. Returns a function that stops the probe.
 */
export function probeDependencies(
  m: ScenicMetrics,
  deps: { db: Knex; redis: Redis },
  everyMs = 5_000,
): () => void {
  const time = async (dependency: string, f: () => Promise<unknown>) => {
    const t0 = performance.now();
    try {
      await f();
      m.observe('scenic_dependency_latency_seconds', (performance.now() - t0) / 1000, { dependency });
    } catch {
      /* a failed probe is not a latency; /readyz and the error rates show outages */
    }
  };
  const tick = () =>
    void Promise.all([
      time('redis', () => deps.redis.ping()),
      time('postgres', () => deps.db.raw('select 1')),
    ]);
  tick();
  const timer = setInterval(tick, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
