import type { Knex } from 'knex';
import type { Clock } from '../clock.js';
import { notFound } from '../errors.js';
import type { DayPlan } from '../inventory/inventory.js';
import type { Coupon, PriceRule } from '../pricing/rules.js';
import type { AreaDefinition, ChannelDefinition } from './definition.js';
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
  active: boolean;
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
  name: string;
  timezone: string;
  dailyCapacity: number;
  instantCapacity: number;
  thresholds: { yellow: number; orange: number; red: number };
  idDailyLimit: number;
  entrances: { id: string; name: string }[];
  slots: Slot[];
  products: Map<string, Product>;
  quotas: Map<string, number>;
  rules: PriceRule[];
}

/** Writes a whole area catalog in one transaction (create or replace). */
export async function upsertArea(db: Knex, a: AreaDefinition): Promise<void> {
  await db.transaction(async (trx) => {
    await trx('areas')
      .insert({
        id: a.id,
        name: a.name,
        timezone: a.timezone,
        daily_capacity: a.dailyCapacity,
        instant_capacity: a.instantCapacity,
        thresholds: JSON.stringify(a.thresholds),
        id_daily_limit: a.idDailyLimit,
      })
      .onConflict('id')
      .merge();
    for (const e of a.entrances)
      await trx('entrances').insert({ id: e.id, area_id: a.id, name: e.name }).onConflict('id').merge();
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
      await trx('products')
        .insert({
          id: p.id,
          area_id: a.id,
          name: p.name,
          kind: p.kind,
          base_price: p.basePrice,
          persons: p.persons,
          entries_allowed: p.entriesAllowed,
          reentry: p.reentry,
          date_bound: p.dateBound,
          validity_days: p.validityDays,
          free_reschedule: p.freeReschedule,
          release_on_exit: p.releaseOnExit,
          entrances: p.entrances,
          components: JSON.stringify(p.components),
          active: true,
        })
        .onConflict('id')
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
        .onConflict('code')
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
 */
export class Catalog {
  private areas = new Map<string, Cached<AreaConfig>>();
  private channelCache: Cached<Map<string, Channel>> | undefined;

  constructor(
    private readonly db: Knex,
    private readonly clock: Clock,
    private readonly ttlMs = 5_000,
  ) {}

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

  /** The inventory's view of an area-day. */
  async plan(areaId: string, _date: string): Promise<DayPlan> {
    const a = await this.area(areaId);
    return {
      capacity: a.dailyCapacity,
      thresholds: a.thresholds,
      idLimit: a.idDailyLimit,
      hysteresisPercent: 2,
      slots: Object.fromEntries(a.slots.map((s) => [s.id, s.capacity])),
      quotas: Object.fromEntries(a.quotas),
    };
  }

  private async loadArea(id: string): Promise<AreaConfig> {
    const area = await this.db('areas').where({ id }).first();
    if (!area) throw notFound('unknown_area', `no scenic area ${id}`);
    const [entrances, slots, products, quotas, rules] = await Promise.all([
      this.db('entrances').where({ area_id: id }).orderBy('id'),
      this.db('time_slots').where({ area_id: id }).orderBy('starts_at'),
      this.db('products').where({ area_id: id, active: true }),
      this.db('channel_quotas').where({ area_id: id }),
      this.db('price_rules').where({ area_id: id, active: true }).orderBy('id'),
    ]);
    const daily = area.daily_capacity;
    return {
      id,
      name: area.name,
      timezone: area.timezone,
      dailyCapacity: daily,
      instantCapacity: area.instant_capacity,
      thresholds: area.thresholds,
      idDailyLimit: area.id_daily_limit,
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
  active: p.active,
});

/** A rule row as the pricing reads it (kind and params were written together from a checked definition). */
function toPriceRule(r: PriceRuleRow): PriceRule {
  const { id: _id, area_id: _area, active: _active, product_id, ...rule } = r;
  return { ...rule, productId: product_id };
}
