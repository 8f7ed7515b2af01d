import { randomBytes } from 'node:crypto';
import type { Redis } from '../redis/client.js';
import type { Clock } from '../clock.js';
import { eventsChannel, type CapacityLevel } from './events.js';
import { invKeys, expiryKey } from './keys.js';
import { runScript } from './scripts.js';
import { scanKeys } from '../redis/scan.js';
import { UnreplicatedWrite } from '../lua.js';

/**
 * Entries of one hash a recount step reads: under a millisecond of Redis's time when idle
 * (1 M holds: steps of 100 took up to 4 ms idle, steps of 50 at most 2.6 ms, the whole
 * recount 14.5 s instead of 13 s). Slower steps seen beside a full order load on two cores
 * were Redis waiting for a core, not the step's work (bench/README, "Redis at real-time
 * priority").
 */
const RECOUNT_CHUNK = 50;
/** A recount whose reconciler stopped lapses after this long without a step. */
const RECOUNT_TTL_S = 30;

/** What the catalog says an area-day may sell. Thresholds are percentages of `capacity`. */
export interface DayPlan {
  capacity: number;
  thresholds: { yellow: number; orange: number; red: number };
  idLimit: number;
  /** Percent of capacity the level must fall below a threshold by before it drops. */
  hysteresisPercent: number;
  slots: Record<string, number>;
  /** Absolute per-channel quotas for the day (shares already resolved to units). */
  quotas: Record<string, number>;
  /** The catalog's plan version (`areas.plan_version`): Redis never takes an older one. */
  version?: number;
}

/** `fresh`: read the catalog itself, not a cache (Redis holds a newer plan than the cache had). */
export type PlanLoader = (areaId: string, date: string, opts?: { fresh?: boolean }) => Promise<DayPlan>;

export type ChannelKind = 'online' | 'onsite';

export interface ReserveRequest {
  resId: string;
  areaId: string;
  date: string;
  slotId: string;
  channelId: string;
  channelKind: ChannelKind;
  units: number;
  /** One keyed ID hash per ticket (the per-ID daily limit counts them). */
  idHashes: readonly string[];
  /** Expiry of an unpaid hold in ms since epoch; 0 = sold at once. */
  expiresAt: number;
}

export type ReserveRefusal =
  | 'unknown_slot'
  | 'slot_sold_out'
  | 'day_sold_out'
  | 'online_closed'
  | 'channel_quota_reached'
  | 'id_limit_reached'
  | 'channel_paused';

export interface StockState {
  level: CapacityLevel;
  dayUsed: number;
  slotUsed: number;
  slotCapacity: number;
}

export type ReserveResult =
  | ({ ok: true; duplicate: boolean } & StockState)
  | ({ ok: false; reason: ReserveRefusal; detail: string } & StockState);

/**
 * Held-units budgets a sale counts against in the same atomic step as the stock
 * (lua/budgets.lua; who has which: core/orders/hold-caps.ts): sorted sets of holds, each
 * with its running total in `${key}:n`, none of which may pass `cap` units. One to three.
 */
export interface HeldBudgets {
  keys: readonly string[];
  cap: number;
}

/** A budget was full: nothing was taken. `budget` is its index in `keys`. */
export interface BudgetFull {
  ok: false;
  budgetFull: true;
  budget: number;
  held: number;
}

const REFUSALS: Record<number, ReserveRefusal> = {
  [-2]: 'unknown_slot',
  [-3]: 'slot_sold_out',
  [-4]: 'day_sold_out',
  [-5]: 'online_closed',
  [-6]: 'channel_quota_reached',
  [-7]: 'id_limit_reached',
  [-8]: 'channel_paused',
};

/** A reservation as Redis records it. */
export interface Reservation {
  slotId: string;
  channelId: string;
  units: number;
  idHashes: string[];
  held: boolean;
  expiresAt: number;
  createdAt: number;
  /** order of the sale within the day, and the day's used units right after it */
  seq: number;
  usedAfter: number;
}

export interface DaySnapshot {
  initialised: boolean;
  capacity: number;
  used: number;
  level: CapacityLevel;
  limits: { yellow: number; orange: number; red: number };
  slots: Record<string, { capacity: number; used: number }>;
  channels: Record<string, { quota: number | null; used: number }>;
}

export interface InventoryOptions {
  /** Key prefix of the connection (pub/sub channels need it explicitly). */
  prefix: string;
  loadPlan: PlanLoader;
  clock: Clock;
}

/** Thresholds in units. Online sales stop at the orange limit; every channel at red. */
export function limitsOf(plan: DayPlan) {
  const at = (pct: number) => Math.floor((plan.capacity * pct) / 100);
  return {
    cap: plan.capacity,
    yellow: at(plan.thresholds.yellow),
    orange: at(plan.thresholds.orange),
    red: at(plan.thresholds.red),
    idLimit: plan.idLimit,
    hyst: Math.ceil((plan.capacity * plan.hysteresisPercent) / 100),
    slots: plan.slots,
    quotas: plan.quotas,
  };
}

function parseReservation(raw: string): Reservation {
  const r = JSON.parse(raw) as {
    s: string;
    c: string;
    u: number;
    i: string[] | Record<string, never>;
    h: number;
    e: number;
    t: number;
    n?: number;
    d?: number;
  };
  return {
    slotId: r.s,
    channelId: r.c,
    units: r.u,
    idHashes: Array.isArray(r.i) ? r.i : [],
    held: r.h === 1,
    expiresAt: r.e,
    createdAt: r.t,
    seq: r.n ?? 0,
    usedAfter: r.d ?? 0,
  };
}

/** A reserve that made a new reservation on the master, answered 503 before a replica held it. */
export const isUnreplicatedNewSale = (e: unknown): e is UnreplicatedWrite =>
  e instanceof UnreplicatedWrite && Array.isArray(e.result) && e.result[0] === 1;

/**
 * The hot stock of every channel. All changes go through the Lua scripts in ./lua,
 * each one atomic; this class only builds keys and arguments and names results.
 */
export class Inventory {
  private readonly pub: string;
  constructor(
    /** public for stock that sits beside the entry stock in the area's hash slot (core/combos) */
    readonly redis: Redis,
    private readonly opts: InventoryOptions,
  ) {
    this.pub = eventsChannel(opts.prefix);
  }

  /**
   * Loads (or refreshes) an area-day's limits from the catalog. Safe while selling. A
   * plan older than one Redis already has (a cache that had not heard of a change) is
   * refused by the script; the plan is then read fresh and written again.
   */
  async init(areaId: string, date: string, plan?: DayPlan): Promise<CapacityLevel> {
    let p = plan ?? (await this.opts.loadPlan(areaId, date));
    const k = invKeys(areaId, date);
    for (let attempt = 0; ; attempt++) {
      const r = await runScript<CapacityLevel | 'stale'>(
        this.redis,
        'init',
        [k.day, k.days, k.pv],
        [
          JSON.stringify(limitsOf(p)),
          this.pub,
          areaId,
          date,
          this.opts.clock.now().getTime(),
          p.version ?? 0,
        ],
      );
      if (r !== 'stale') return r;
      if (attempt >= 3) throw new Error(`inventory plan of ${areaId} ${date} stays older than Redis's`);
      p = await this.opts.loadPlan(areaId, date, { fresh: true });
    }
  }

  /**
   * After a committed change of an area's plan: announces `version` (older plans are
   * refused from now on) and reloads every area-day Redis holds from `planFor`. Days
   * before `keepFrom` are forgotten. Returns the days reloaded.
   */
  async refreshPlans(
    areaId: string,
    version: number,
    planFor: (date: string) => DayPlan,
    keepFrom: string,
  ): Promise<string[]> {
    const k = invKeys(areaId, keepFrom);
    const days = await runScript<string[]>(this.redis, 'plans', [k.days, k.pv], [version, keepFrom]);
    for (const date of days) await this.init(areaId, date, planFor(date));
    return days;
  }

  /**
   * `mode`: a normal sale; `adopt` (reconciler) records without checks; `'replace'`
   * (reconciler) adopts over the reservation's own drifted record in one step; `{ claim }`
   * turns a waiting-list claim reservation into this one in the same atomic step.
   */
  async reserve(
    req: ReserveRequest,
    mode: boolean | 'replace' | { claim: string } = false,
  ): Promise<ReserveResult> {
    return this.reserveWithin(req, mode) as Promise<ReserveResult>;
  }

  /**
   * A sale (`mode` as in `reserve`) that also counts against the buyer's held-units
   * budgets: the stock and the budgets are taken together or not at all, in one Redis
   * call (issue 19: the budget used to cost a call of its own on every visitor's order).
   */
  async reserveCounted(
    req: ReserveRequest,
    mode: false | { claim: string },
    budgets: HeldBudgets,
  ): Promise<ReserveResult | BudgetFull> {
    return this.reserveWithin(req, mode, budgets);
  }

  private async reserveWithin(
    req: ReserveRequest,
    mode: boolean | 'replace' | { claim: string },
    budgets?: HeldBudgets,
  ): Promise<ReserveResult | BudgetFull> {
    for (let attempt = 0; ; attempt++) {
      let r: Awaited<ReturnType<Inventory['runReserve']>>;
      try {
        r = await this.runReserve(
          req,
          typeof mode === 'object' ? `c:${mode.claim}` : mode === 'replace' ? 'r' : mode ? '1' : '0',
          budgets,
        );
      } catch (e) {
        return this.handBackUnreplicatedSale(req, mode, e);
      }
      if (r[0] === -1 && attempt === 0) {
        await this.init(req.areaId, req.date);
        continue;
      }
      if (r[0] === -10) return { ok: false, budgetFull: true, budget: (r[6] ?? 1) - 1, held: r[7] ?? 0 };
      const state: StockState = {
        level: (r[1] || 'green') as CapacityLevel,
        dayUsed: r[2],
        slotUsed: r[3],
        slotCapacity: r[4],
      };
      if (r[0] === 1 || r[0] === 2) return { ok: true, duplicate: r[0] === 2, ...state };
      const reason = REFUSALS[r[0]];
      if (!reason) throw new Error(`inventory reserve failed with code ${r[0]} (${r[5]})`);
      return { ok: false, reason, detail: r[5], ...state };
    }
  }

  /**
   * A sale the master made but no replica held in time is answered 503 and retried, with a
   * new reservation: this one belongs to no order, ever. Left to the reconciler's grace
   * period, it would keep the stock and the visitors' IDs meanwhile, so a retry through a
   * failover met `id_limit_reached` for its own visitors. Handed back at once (best effort:
   * a release that fails too is the reconciler's). Only a plain sale's new reservation:
   * a duplicate was made by an earlier call, and a claim's took over stock set aside before.
   */
  private async handBackUnreplicatedSale(
    req: ReserveRequest,
    mode: boolean | 'replace' | { claim: string },
    e: unknown,
  ): Promise<never> {
    if (mode === false && isUnreplicatedNewSale(e))
      await this.release(req.areaId, req.date, req.resId, 'all').catch(() => undefined);
    throw e;
  }

  private runReserve(req: ReserveRequest, mode: string, budgets?: HeldBudgets) {
    const k = invKeys(req.areaId, req.date);
    const n = budgets?.keys.length ?? 0;
    if (n > 3) throw new Error(`a sale counts against at most 3 held-units budgets, not ${n}`);
    return runScript<[number, string, number, number, number, string, number?, number?]>(
      this.redis,
      n ? (`reserve${n}` as 'reserve1') : 'reserve',
      [
        k.day,
        k.ids,
        k.res,
        k.exp,
        k.sw,
        k.audit,
        k.auditIds,
        ...(budgets?.keys.flatMap((b) => [b, `${b}:n`]) ?? []),
      ],
      [
        req.resId,
        req.date,
        req.slotId,
        req.channelId,
        req.channelKind,
        req.units,
        req.expiresAt,
        this.opts.clock.now().getTime(),
        this.pub,
        req.areaId,
        mode,
        budgets?.cap ?? 0,
        ...req.idHashes,
      ],
    );
  }

  /** Hold → sale. Returns false when the hold is gone (expired and released). */
  async confirm(areaId: string, date: string, resId: string): Promise<'confirmed' | 'already' | 'missing'> {
    const k = invKeys(areaId, date);
    const r = await runScript<number>(this.redis, 'confirm', [k.res, k.exp], [resId, date]);
    return r === 1 ? 'confirmed' : r === 0 ? 'already' : 'missing';
  }

  /**
   * Moves an unpaid hold's expiry to `expiresAt` (ms). `expired` when its time already
   * ran out: an expired hold is never revived, even before the sweeper releases it.
   */
  async extend(
    areaId: string,
    date: string,
    resId: string,
    expiresAt: number,
  ): Promise<'extended' | 'sale' | 'missing' | 'expired'> {
    const k = invKeys(areaId, date);
    const r = await runScript<number>(
      this.redis,
      'extend',
      [k.res, k.exp],
      [resId, date, expiresAt, this.opts.clock.now().getTime()],
    );
    if (r === -9) throw new Error(`inventory extend: bad arguments for ${resId}`);
    return r === 1 ? 'extended' : r === 0 ? 'sale' : r === -2 ? 'expired' : 'missing';
  }

  /**
   * Releases a reservation: `all`, only if it is an `expired` unpaid hold, or `part`
   * of it (some visitors refunded). Returns the units released (0 when nothing was).
   */
  async release(
    areaId: string,
    date: string,
    resId: string,
    mode: 'all' | 'expired' | { units: number; idHashes: readonly string[] },
  ): Promise<{ released: number; level: CapacityLevel; dayUsed: number }> {
    const k = invKeys(areaId, date);
    const extra = typeof mode === 'string' ? [mode] : ['part', mode.units, ...mode.idHashes];
    const r = await runScript<[number, string, number, number]>(
      this.redis,
      'release',
      [k.day, k.ids, k.res, k.exp, k.audit, k.auditIds],
      [resId, date, this.opts.clock.now().getTime(), this.pub, areaId, ...extra],
    );
    if (r[0] === -9) throw new Error(`inventory release: bad arguments for ${resId}`);
    return { released: r[0] === 1 ? r[3] : 0, level: r[1] as CapacityLevel, dayUsed: r[2] };
  }

  /**
   * Recomputes the counters from the reservation records and repairs what drifted;
   * returns the repairs. In bounded steps (`chunk` entries of one hash each, lua/recount-step.lua)
   * that sales interleave with, so Redis is never held for long at any number of
   * reservations (issue 19: one script over 1.2 M holds held it for 8 s). Returns []
   * without counting when another recount of the area-day is running.
   */
  async recount(
    areaId: string,
    date: string,
    opts: { chunk?: number } = {},
  ): Promise<{ field: string; was: number; now: number }[]> {
    const k = invKeys(areaId, date);
    const token = randomBytes(6).toString('hex');
    const [started] = await runScript<[number, string]>(
      this.redis,
      'recountStart',
      [k.audit, k.auditIds],
      [token, RECOUNT_TTL_S],
    );
    if (started !== 1) return [];
    const out: { field: string; was: number; now: number }[] = [];
    for (;;) {
      const flat = await runScript<string[]>(
        this.redis,
        'recountStep',
        [k.day, k.ids, k.res, k.audit, k.auditIds],
        [
          token,
          opts.chunk ?? RECOUNT_CHUNK,
          RECOUNT_TTL_S,
          this.pub,
          areaId,
          date,
          this.opts.clock.now().getTime(),
        ],
      );
      for (let i = 1; i < flat.length; i += 3)
        out.push({ field: flat[i]!, was: Number(flat[i + 1]), now: Number(flat[i + 2]) });
      if (flat[0] === 'done') return out;
      if (flat[0] === 'lost') throw new Error(`recount of ${areaId} ${date} lapsed before it ended`);
    }
  }

  /** Every reservation record of an area-day, read in bounded HSCAN pages (never one HGETALL of them all). */
  async reservations(areaId: string, date: string): Promise<Map<string, Reservation>> {
    const out = new Map<string, Reservation>();
    let cursor = '0';
    do {
      const [next, flat] = await this.redis.hscan(invKeys(areaId, date).res, cursor, 'COUNT', 500);
      cursor = next;
      for (let i = 0; i < flat.length; i += 2) out.set(flat[i]!, parseReservation(flat[i + 1]!));
    } while (cursor !== '0');
    return out;
  }

  async reservation(areaId: string, date: string, resId: string): Promise<Reservation | undefined> {
    const raw = await this.redis.hget(invKeys(areaId, date).res, resId);
    return raw ? parseReservation(raw) : undefined;
  }

  /** Unpaid holds of an area whose expiry has passed: `{date, resId}`. */
  async dueHolds(areaId: string, limit = 500): Promise<{ date: string; resId: string }[]> {
    const members = await this.redis.zrangebyscore(
      expiryKey(areaId),
      0,
      this.opts.clock.now().getTime(),
      'LIMIT',
      0,
      limit,
    );
    return members.map((m) => {
      const i = m.indexOf('|');
      return { date: m.slice(0, i), resId: m.slice(i + 1) };
    });
  }

  /** Every area-day that has reservation records in Redis (for the reconciler). */
  async reservationDays(): Promise<{ areaId: string; date: string }[]> {
    // SCAN's MATCH is not prefixed by ioredis, so the prefix is added and stripped here.
    const out: { areaId: string; date: string }[] = [];
    for (const k of await scanKeys(this.redis, `${this.opts.prefix}res:{*}:*`)) {
      const m = /res:\{(.+)\}:(\d{4}-\d{2}-\d{2})$/.exec(k.slice(this.opts.prefix.length));
      if (m) out.push({ areaId: m[1]!, date: m[2]! });
    }
    return out;
  }

  async snapshot(areaId: string, date: string): Promise<DaySnapshot> {
    const h = await this.redis.hgetall(invKeys(areaId, date).day);
    const num = (v: string | undefined) => Number(v ?? 0);
    const slots: DaySnapshot['slots'] = {};
    const channels: DaySnapshot['channels'] = {};
    for (const [f, v] of Object.entries(h)) {
      let m = /^s:(.+):(cap|used)$/.exec(f);
      if (m) {
        const s = (slots[m[1]!] ??= { capacity: 0, used: 0 });
        if (m[2] === 'cap') s.capacity = Number(v);
        else s.used = Number(v);
        continue;
      }
      m = /^c:(.+):(quota|used)$/.exec(f);
      if (m) {
        const c = (channels[m[1]!] ??= { quota: null, used: 0 });
        if (m[2] === 'quota') c.quota = Number(v);
        else c.used = Number(v);
      }
    }
    return {
      initialised: h.init === '1',
      capacity: num(h.cap),
      used: num(h.used),
      level: (h.level ?? 'green') as CapacityLevel,
      limits: { yellow: num(h.yellow), orange: num(h.orange), red: num(h.red) },
      slots,
      channels,
    };
  }
}
