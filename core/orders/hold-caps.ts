import type { Redis } from '../redis/client.js';
import type { Knex } from 'knex';
import {
  isUnreplicatedNewSale,
  type Inventory,
  type ReserveRequest,
  type ReserveResult,
} from '../inventory/inventory.js';
import { conflict, notAllowed } from '../errors.js';
import { luaScripts } from '../lua.js';
import type { Actor } from './model.js';

/**
 * How much stock one caller may keep held without paying (issue 17 item 8). Before this,
 * one unauthenticated order held 500 tickets for 15 minutes, and checksum-valid made-up ID
 * numbers defeated the per-ID limit, so ten requests closed a day's online sales. Now:
 *
 * - an anonymous visitor holds at most `anonUnitsPerOrder` units per order, and at most
 *   `anonHeldUnits` at once per client address and per device on an area-day, for
 *   `anonHoldSeconds` (shorter than a signed-in buyer's hold);
 * - a signed-in visitor (an SMS-verified phone) holds up to `visitorHeldUnits` per order and
 *   at once per phone and per device on an area-day;
 * - staff and partners are bounded by their channel (quota, on-site reserve) and the
 *   order's own maximum, not here.
 *
 * The budgets count units, never ID numbers, so made-up IDs buy nothing. They live in
 * Redis next to the area's stock and are taken in the stock's own reservation (one Lua
 * call, atomic, so concurrent requests of one bot cannot all pass); a hold that ended early (paid, cancelled) is noticed the next time a
 * budget looks full, by asking Postgres which of its holds are still held.
 */
export interface HoldPolicy {
  anonUnitsPerOrder: number;
  anonHeldUnits: number;
  anonHoldSeconds: number;
  visitorHeldUnits: number;
}

/** Where a visitor's request came from, as the API saw it. */
export interface ClientOrigin {
  /** the client's address (behind trusted proxies), keyed-hashed before it is stored */
  address?: string;
  /** the X-Device-Id the page sends, keyed-hashed likewise */
  deviceId?: string;
}

/** The budgets an order counts against; undefined for staff and partners. */
export interface HoldBudget {
  keys: string[];
  cap: number;
  perOrder: number;
  holdSeconds: number | undefined;
  verified: boolean;
}

// taking a hold into its budgets is the stock's reservation's own step (core/inventory/lua/budgets.lua)
const scripts = luaScripts(new URL('./lua/', import.meta.url), {
  drop: { file: 'hold-drop.lua', keys: 2 },
});

/** Each budget's sorted set and, next to it, its running total of units. */
const withTotals = (keys: readonly string[]) => keys.flatMap((k) => [k, `${k}:n`]);

const budgetKey = (areaId: string, date: string, kind: string, who: string) =>
  `hc:{${areaId}}:${date}:${kind}:${who}`;

/** Pure: which budgets an order of `actor` from `origin` on an area-day counts against. */
export function holdBudget(
  actor: Actor,
  origin: ClientOrigin,
  policy: HoldPolicy,
  day: { areaId: string; date: string },
  hash: (kind: 'device' | 'address', v: string) => string,
): HoldBudget | undefined {
  if (actor.kind !== 'visitor') return undefined;
  const key = (kind: string, who: string) => budgetKey(day.areaId, day.date, kind, who);
  const device = origin.deviceId ? [key('dev', hash('device', origin.deviceId))] : [];
  if (actor.id !== 'anonymous')
    return {
      keys: [key('caller', actor.id), ...device],
      cap: policy.visitorHeldUnits,
      perOrder: policy.visitorHeldUnits,
      holdSeconds: undefined,
      verified: true,
    };
  return {
    keys: [key('addr', hash('address', origin.address ?? 'unknown')), ...device],
    cap: policy.anonHeldUnits,
    perOrder: policy.anonUnitsPerOrder,
    holdSeconds: policy.anonHoldSeconds,
    verified: false,
  };
}

/** Refuses an order larger than its caller may place at all. */
export function checkOrderSize(b: HoldBudget | undefined, units: number): void {
  if (b && units > b.perOrder)
    throw notAllowed(
      'hold_too_large',
      b.verified
        ? `at most ${b.perOrder} ticket units per order`
        : `at most ${b.perOrder} ticket units per order without signing in; sign in with your phone for more`,
    );
}

/**
 * Reserves the stock and records the hold against every budget of its caller (when it has
 * any) in one atomic step (`Inventory.reserveCounted`): both or neither. A full budget
 * refuses with `hold_limit_reached`, ahead of the stock's own refusals; when one looks
 * full, holds of it that are no longer held in Postgres are dropped and the step is tried
 * once more.
 */
export async function reserveWithinBudget(
  inventory: Inventory,
  req: ReserveRequest,
  mode: false | { claim: string },
  within?: { budget: HoldBudget; redis: Redis; db: Knex },
): Promise<ReserveResult> {
  if (!within) return inventory.reserve(req, mode);
  const { budget: b, redis, db } = within;
  const budgets = { keys: b.keys, cap: b.cap };
  const reserve = async () => {
    try {
      return await inventory.reserveCounted(req, mode, budgets);
    } catch (e) {
      // the sale is answered 503 and retried as a new hold: the inventory handed its stock
      // back, and the budgets give back what the same step recorded in them
      if (mode === false && isUnreplicatedNewSale(e))
        await returnHoldBudget(redis, b, req.resId, req.units).catch(() => undefined);
      throw e;
    }
  };
  let r = await reserve();
  if ('budgetFull' in r) {
    await forgetEndedHolds(redis, db, b.keys[r.budget]!);
    r = await reserve();
  }
  if ('budgetFull' in r)
    throw conflict(
      'hold_limit_reached',
      `${r.held} ticket units are already held unpaid from here for this day (at most ${b.cap}); pay or cancel them first`,
      { limit: b.cap },
    );
  return r;
}

/** Takes a hold back out of its budgets (the stock refused it, or its write failed). */
export async function returnHoldBudget(
  redis: Redis,
  b: HoldBudget,
  resId: string,
  units: number,
): Promise<void> {
  for (const k of b.keys) await scripts.run(redis, 'drop', withTotals([k]), [`${resId}:${units}`]);
}

async function forgetEndedHolds(redis: Redis, db: Knex, key: string): Promise<void> {
  const members = await redis.zrange(key, 0, -1);
  const ids = members.map((m) => m.slice(0, m.lastIndexOf(':'))).filter((id) => /^[0-9a-f-]{36}$/.test(id));
  if (!ids.length) return;
  // only holds Postgres knows ended: a hold whose order is still being written stays counted
  const ended = new Set(
    (await db('orders').whereIn('id', ids).whereNot({ status: 'held' }).select('id')).map((r) => r.id),
  );
  const gone = members.filter((m) => ended.has(m.slice(0, m.lastIndexOf(':'))));
  if (gone.length) await scripts.run(redis, 'drop', withTotals([key]), gone);
}
