import type { Knex } from 'knex';
import { notFound } from '../errors.js';
import type { EntranceRules, ProductRule } from './rules.js';

export const DEFAULT_GRACE_BEFORE_MIN = 30;
export const DEFAULT_GRACE_AFTER_MIN = 60;

/** Loads what an entrance accepts, from the catalog and the area's check-in settings. */
export async function loadEntranceRules(
  db: Knex,
  areaId: string,
  entranceId: string,
): Promise<EntranceRules> {
  const area = await db('areas as a')
    .leftJoin('checkin_settings as c', 'c.area_id', 'a.id')
    .where('a.id', areaId)
    .first<
      | {
          id: string;
          timezone: string;
          instant_capacity: number;
          grace_before_min: number | null;
          grace_after_min: number | null;
        }
      | undefined
    >('a.id', 'a.timezone', 'a.instant_capacity', 'c.grace_before_min', 'c.grace_after_min');
  if (!area) throw notFound('area_not_found', `no area ${areaId}`);
  const products = await db('products')
    .where({ area_id: areaId })
    .select('id', 'entrances', 'release_on_exit', 'reentry');
  const byId: Record<string, ProductRule> = {};
  for (const p of products)
    byId[p.id] = { entrances: p.entrances, releaseOnExit: p.release_on_exit, reentry: p.reentry };
  return {
    areaId,
    entranceId,
    timezone: area.timezone,
    instantCapacity: area.instant_capacity,
    graceBeforeMin: area.grace_before_min ?? DEFAULT_GRACE_BEFORE_MIN,
    graceAfterMin: area.grace_after_min ?? DEFAULT_GRACE_AFTER_MIN,
    products: byId,
  };
}

export async function areaTimezone(
  db: Knex,
  areaId: string,
): Promise<{ timezone: string; instantCapacity: number }> {
  const a = await db('areas').where({ id: areaId }).first('timezone', 'instant_capacity');
  if (!a) throw notFound('area_not_found', `no area ${areaId}`);
  return { timezone: a.timezone, instantCapacity: a.instant_capacity };
}
