import type { Knex } from 'knex';

/**
 * The daily report's group section (core/reports/daily.ts): the group tickets of this area
 * whose visit was on the report's date, per product — parties, persons, persons the gates
 * let in (counted once within the party size, across devices) and the rest as no-shows,
 * with how many parties refunded their no-shows.
 */
export interface GroupDay {
  product: string;
  groups: number;
  persons: number;
  entered: number;
  noShows: number;
  /** parties refunded (their no-shows after the day, or the whole party before it) */
  refunded: number;
}

export async function groupFigures(db: Knex, areaId: string, date: string): Promise<GroupDay[]> {
  const rows: { product: string; groups: number; persons: number; entered: number; refunded: number }[] =
    await db('tickets as t')
      .where({ 't.area_id': areaId, 't.visit_date': date })
      .whereNotNull('t.group_masked')
      .whereIn('t.status', ['valid', 'refunded'])
      .groupBy('t.product_id')
      .orderBy('t.product_id')
      .select(
        't.product_id as product',
        db.raw('count(*)::int as groups'),
        db.raw('coalesce(sum(t.units), 0)::int as persons'),
        db.raw('coalesce(sum(least(t.entries_used, t.units)), 0)::int as entered'),
        db.raw(`(count(*) filter (where t.status = 'refunded'))::int as refunded`),
      );
  return rows.map((r) => ({ ...r, noShows: r.persons - r.entered }));
}
