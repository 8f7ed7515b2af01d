import type { Knex } from 'knex';
import type { AreaRow } from '../db/tables.js';
import type { ChannelSales } from './model.js';

/** What the screen needs of an area. */
export type ScreenArea = Pick<AreaRow, 'id' | 'name' | 'timezone' | 'instant_capacity' | 'thresholds'>;

export async function loadScreenArea(db: Knex, areaId: string): Promise<ScreenArea | undefined> {
  return db('areas').where({ id: areaId }).first('id', 'name', 'timezone', 'instant_capacity', 'thresholds');
}

/**
 * Valid tickets for the day per channel: the dashboard's "sold" and "used" states
 * (core/telemetry/collectors.ts `ticketSamples`) added up.
 */
export async function salesByChannel(db: Knex, areaId: string, date: string): Promise<ChannelSales[]> {
  const rows = await db('tickets as t')
    .join('orders as o', 'o.id', 't.order_id')
    .where({ 't.area_id': areaId, 't.visit_date': date, 't.status': 'valid' })
    .groupBy('o.channel_id')
    .orderBy('o.channel_id')
    .select<{ channel_id: string; n: number }[]>('o.channel_id', db.raw('count(*)::int as n'));
  return rows.map((r) => ({ channelId: r.channel_id, tickets: r.n }));
}

/**
 * Gate openings per entrance since local midnight of the area, the way the metric
 * `scenic_entrance_passages_total` is read (core/telemetry/collectors.ts `flowSamples`).
 */
export async function entranceTotals(
  db: Knex,
  area: Pick<ScreenArea, 'id' | 'timezone'>,
  now: Date,
): Promise<Map<string, { entries: number; exits: number }>> {
  const rows = await db('entrance_flow as f')
    .where('f.area_id', area.id)
    .andWhere('f.minute', '>=', new Date(now.getTime() - 26 * 3_600_000))
    .whereRaw('(f.minute at time zone ?)::date = (?::timestamptz at time zone ?)::date', [
      area.timezone,
      now,
      area.timezone,
    ])
    .groupBy('f.entrance_id')
    .select<{ entrance_id: string; entries: number; exits: number }[]>(
      'f.entrance_id',
      db.raw('sum(f.entries)::int as entries'),
      db.raw('sum(f.exits)::int as exits'),
    );
  return new Map(rows.map((r) => [r.entrance_id, { entries: r.entries, exits: r.exits }]));
}
