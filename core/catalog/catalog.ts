import type { Knex } from 'knex';
import type { Redis } from '../redis/client.js';
import type { Clock } from '../clock.js';
import { followCatalogChanges } from './events.js';
import { notFound } from '../errors.js';
import type { DayPlan } from '../inventory/inventory.js';
import type { Coupon, PriceRule } from '../pricing/rules.js';
import type { DynamicBounds } from '../pricing/dynamic.js';
import type { AreaDefinition, ChannelDefinition } from './definition.js';
import type { Eligibility } from './eligibility.js';
import type { Closures } from './closures.js';
import { productJson, productRow } from './products.js';
import { defaultPolicy, type ProductPolicy } from '../policies/model.js';
import type { GroupTerms } from '../groups/model.js';
import type { AreaRow, ChannelRow, PriceRuleRow, ProductRow } from '../db/tables.js';

export interface Slot {
  id: string;
  startsAt: string;
  endsAt: string;
  capacity: number;
}

export interface Product {
  id: string;
  areaId: string;
  name: string;
  kind: string;
  basePrice: number;
  currency: string;
  persons: number;
  entriesAllowed: number;
  reentry: boolean;
  dateBound: boolean;
  validityDays: number;
  freeReschedule: boolean;
  releaseOnExit: boolean;
  entrances: string[] | null;
  components: { item: string; name: string }[];
  /** who may travel on it; null: its kind's band (`eligibilityOf`) */
  eligibility: Eligibility | null;
  active: boolean;
  /** crowd-forecast pricing bounds (issue 22); null: static price */
  dynamicPricing: DynamicBounds | null;
  /** its refund and reschedule policy (the default when it declares none) */
  policy: ProductPolicy;
  /** the visiting route the purchase SMS carries */
  visitRoute: string | null;
  /** a group product's party sizes and price tiers; null: not sold to groups */
  group: GroupTerms | null;
}

export interface Channel {
  id: string;
  name: string;
  kind: 'online' | 'onsite';
  enabled: boolean;
  commissionBps: number;
  discountBps: number;
  sellsFrom: string | null;
  sellsUntil: string | null;
}

export interface AreaConfig {
  id: string;
  /** bumped with every change of what the inventory enforces (capacity, thresholds, slots, quotas) */
  planVersion: number;
  name: string;
  timezone: string;
  dailyCapacity: number;
  instantCapacity: number;
  thresholds: { yellow: number; orange: number; red: number };
  idDailyLimit: number;
  /** days the area does not open (core/catalog/closures.ts) */
  closures: Closures;
  entrances: { id: string; name: string }[];
  slots: Slot[];
  products: Map<string, Product>;
  quotas: Map<string, number>;
  rules: PriceRule[];
}

/**
 * Writes a whole area catalog in one transaction (create or replace). Every id is the
 * area's own (keys are (area_id, id)): nothing another area declared is touched. The
 * caller announces the change (`propagateAreaChange`) after the commit.
 */
export async function upsertArea(db: Knex, a: AreaDefinition): Promise<void> {
  await db.transaction(async (trx) => {
    const row = {
      id: a.id,
      name: a.name,
      timezone: a.timezone,
      daily_capacity: a.dailyCapacity,
      instant_capacity: a.instantCapacity,
      thresholds: JSON.stringify(a.thresholds),
      id_daily_limit: a.idDailyLimit,
      closures: JSON.stringify(a.closures),
    };
    await trx('areas')
      .insert(row)
      .onConflict('id')
      .merge({ ...row, plan_version: trx.raw('?? + 1', ['areas.plan_version']), updated_at: trx.fn.now() });
    for (const e of a.entrances)
      await trx('entrances')
        .insert({ id: e.id, area_id: a.id, name: e.name })
        .onConflict(['area_id', 'id'])
        .merge();
    await trx('time_slots').where({ area_id: a.id }).delete();
    await trx('time_slots').insert(
      a.slots.map((s) => ({
        area_id: a.id,
        id: s.id,
        starts_at: s.startsAt,
        ends_at: s.endsAt,
        capacity: s.capacity,
      })),
    );
    for (const p of a.products) {
      const row = productRow(a.id, p);
      await trx('products')
        .insert({ ...row, ...productJson(row) })
        .onConflict(['area_id', 'id'])
        .merge();
    }
    await trx('channel_quotas').where({ area_id: a.id }).delete();
    if (a.quotas.length) {
      await trx('channel_quotas').insert(
        a.quotas.map((q) => ({
          area_id: a.id,
          channel_id: q.channelId,
          quota: q.quota ?? null,
          share_bps: q.shareBps ?? null,
        })),
      );
    }
    await trx('price_rules').where({ area_id: a.id }).delete();
    if (a.priceRules.length) {
      await trx('price_rules').insert(
        a.priceRules.map((r) => ({
          area_id: a.id,
          product_id: r.productId,
          kind: r.kind,
          params: JSON.stringify(r.params),
        })),
      );
    }
    for (const c of a.coupons) {
      await trx('coupons')
        .insert({
          code: c.code,
          area_id: a.id,
          kind: c.kind,
          value: c.value,
          max_uses: c.maxUses,
          stackable: c.stackable,
          min_amount: c.minAmount,
          valid_from: c.validFrom,
          valid_until: c.validUntil,
        })
        .onConflict(['area_id', 'code'])
        .merge(['kind', 'value', 'max_uses', 'stackable', 'min_amount', 'valid_from', 'valid_until']);
    }
  });
}

export async function upsertChannels(db: Knex, channels: readonly ChannelDefinition[]): Promise<void> {
  for (const c of channels) {
    await db('channels')
      .insert({
        id: c.id,
        name: c.name,
        kind: c.kind,
        enabled: c.enabled,
        commission_bps: c.commissionBps,
        discount_bps: c.discountBps,
        sells_from: c.sellsFrom,
        sells_until: c.sellsUntil,
      })
      .onConflict('id')
      .merge();
  }
}

interface Cached<T> {
  at: number;
  value: Promise<T>;
}

/**
 * Read side of the catalog with a short in-memory cache: the hot path (hold) reads
 * the area config on every request and must not pay a Postgres round trip for it.
 * Every catalog write announces itself (core/catalog/events.ts) and `follow` drops the
 * changed area at once, so the cache never hides a change; the TTL is only the
 * backstop for an announcement lost while disconnected.
 */
export class Catalog {
  private areas = new Map<string, Cached<AreaConfig>>();
  private channelCache: Cached<Map<string, Channel>> | undefined;
  private unfollow: (() => Promise<void>) | undefined;

  constructor(
    private readonly db: Knex,
    private readonly clock: Clock,
    private readonly ttlMs = 5_000,
  ) {}

  /** Resolves once `follow` has subscribed (immediately when nothing is followed). */
  following: Promise<void> = Promise.resolve();

  /** Hears every replica's catalog changes on `subscriber` (a connection of its own). Resolves once subscribed. */
  follow(subscriber: Redis, prefix: string): Promise<void> {
    this.following = followCatalogChanges(subscriber, prefix, (areaId) =>
      this.invalidate(areaId ?? undefined),
    ).then((stop) => {
      this.unfollow = stop;
    });
    return this.following;
  }

  async unfollowChanges(): Promise<void> {
    await this.unfollow?.();
    this.unfollow = undefined;
  }

  invalidate(areaId?: string): void {
    if (areaId) this.areas.delete(areaId);
    else this.areas.clear();
    this.channelCache = undefined;
  }

  area(id: string): Promise<AreaConfig> {
    const now = this.clock.now().getTime();
    const hit = this.areas.get(id);
    if (hit && now - hit.at < this.ttlMs) return hit.value;
    const value = this.loadArea(id);
    this.areas.set(id, { at: now, value });
    value.catch(() => this.areas.delete(id));
    return value;
  }

  channels(): Promise<Map<string, Channel>> {
    const now = this.clock.now().getTime();
    if (this.channelCache && now - this.channelCache.at < this.ttlMs) return this.channelCache.value;
    const value = this.db('channels')
      .select()
      .then((rows) => new Map(rows.map((r) => [r.id, toChannel(r)])));
    this.channelCache = { at: now, value };
    value.catch(() => (this.channelCache = undefined));
    return value;
  }

  async channel(id: string): Promise<Channel> {
    const c = (await this.channels()).get(id);
    if (!c) throw notFound('unknown_channel', `no channel ${id}`);
    return c;
  }

  async coupons(areaId: string, codes: readonly string[]): Promise<Coupon[]> {
    if (!codes.length) return [];
    const rows = await this.db('coupons').where({ area_id: areaId }).whereIn('code', codes);
    return rows.map((r) => ({
      code: r.code,
      kind: r.kind,
      value: r.value,
      maxUses: r.max_uses,
      used: r.used,
      stackable: r.stackable,
      minAmount: r.min_amount,
      validFrom: r.valid_from,
      validUntil: r.valid_until,
    }));
  }

  /**
   * The inventory's view of an area-day. `fresh` reads Postgres, not the cache (the
   * inventory asks for it when Redis holds a newer plan than the cached one).
   */
  async plan(areaId: string, date: string, opts: { fresh?: boolean } = {}): Promise<DayPlan> {
    if (opts.fresh) this.invalidate(areaId);
    return planOf(await this.area(areaId), date);
  }

  private loadArea(id: string): Promise<AreaConfig> {
    return loadAreaConfig(this.db, id);
  }
}

/** The inventory's view of an area-day of a loaded area. */
export function planOf(a: AreaConfig, _date: string): DayPlan {
  return {
    capacity: a.dailyCapacity,
    thresholds: a.thresholds,
    idLimit: a.idDailyLimit,
    hysteresisPercent: 2,
    slots: Object.fromEntries(a.slots.map((s) => [s.id, s.capacity])),
    quotas: Object.fromEntries(a.quotas),
    version: a.planVersion,
  };
}

/** An area's whole configuration, read from Postgres (no cache). */
export async function loadAreaConfig(db: Knex, id: string): Promise<AreaConfig> {
  const area = await db('areas').where({ id }).first();
  if (!area) throw notFound('unknown_area', `no scenic area ${id}`);
  const [entrances, slots, products, quotas, rules] = await Promise.all([
    db('entrances').where({ area_id: id }).orderBy('id'),
    db('time_slots').where({ area_id: id }).orderBy('starts_at'),
    db('products').where({ area_id: id, active: true }),
    db('channel_quotas').where({ area_id: id }),
    db('price_rules').where({ area_id: id, active: true }).orderBy('id'),
  ]);
  const daily = area.daily_capacity;
  return {
    id,
    planVersion: area.plan_version,
    name: area.name,
    timezone: area.timezone,
    dailyCapacity: daily,
    instantCapacity: area.instant_capacity,
    thresholds: area.thresholds,
    idDailyLimit: area.id_daily_limit,
    closures: area.closures,
    entrances: entrances.map((e) => ({ id: e.id, name: e.name })),
    slots: slots.map((s) => ({ id: s.id, startsAt: s.starts_at, endsAt: s.ends_at, capacity: s.capacity })),
    products: new Map(products.map((p) => [p.id, toProduct(p)])),
    quotas: new Map(
      quotas.map((q) => [
        q.channel_id,
        q.quota !== null ? q.quota : Math.floor((daily * (q.share_bps ?? 0)) / 10000),
      ]),
    ),
    rules: rules.map(toPriceRule),
  };
}

export type AreaListing = Pick<AreaRow, 'id' | 'name' | 'timezone'>;

/** The areas there are, by id (a listing: their configuration is `Catalog.area`). */
export function listAreas(db: Knex): Promise<AreaListing[]> {
  return db('areas').orderBy('id').select('id', 'name', 'timezone');
}

/** Every area but one (unordered): the alternatives to a crowded one. */
export function otherAreas(db: Knex, areaId: string): Promise<AreaListing[]> {
  return db('areas').whereNot({ id: areaId }).select('id', 'name', 'timezone');
}

/** An area's display name, if it exists (read fresh: no cache). */
export async function areaName(db: Knex, areaId: string): Promise<string | undefined> {
  return (await db('areas').where({ id: areaId }).first('name'))?.name;
}

const toChannel = (r: ChannelRow): Channel => ({
  id: r.id,
  name: r.name,
  kind: r.kind,
  enabled: r.enabled,
  commissionBps: r.commission_bps,
  discountBps: r.discount_bps,
  sellsFrom: r.sells_from,
  sellsUntil: r.sells_until,
});

const toProduct = (p: ProductRow): Product => ({
  id: p.id,
  areaId: p.area_id,
  name: p.name,
  kind: p.kind,
  basePrice: p.base_price,
  currency: p.currency,
  persons: p.persons,
  entriesAllowed: p.entries_allowed,
  reentry: p.reentry,
  dateBound: p.date_bound,
  validityDays: p.validity_days,
  freeReschedule: p.free_reschedule,
  releaseOnExit: p.release_on_exit,
  entrances: p.entrances,
  components: p.components,
  eligibility: p.eligibility,
  active: p.active,
  dynamicPricing: p.dynamic_pricing,
  policy: p.policy ?? defaultPolicy(p.free_reschedule),
  visitRoute: p.visit_route,
  group: p.group_tiers,
});

/** A rule row as the pricing reads it (kind and params were written together from a checked definition). */
function toPriceRule(r: PriceRuleRow): PriceRule {
  const { id: _id, area_id: _area, active: _active, product_id, ...rule } = r;
  return { ...rule, productId: product_id };
}
