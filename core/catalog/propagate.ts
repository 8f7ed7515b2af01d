import type { Knex } from 'knex';
import type { Redis } from '../redis/client.js';
import type { Clock } from '../clock.js';
import { Inventory } from '../inventory/inventory.js';
import { invKeys } from '../inventory/keys.js';
import { addDays, localDate } from '../time.js';
import { loadAreaConfig, planOf } from './catalog.js';
import { announceCatalogChange } from './events.js';

export interface PropagateDeps {
  db: Knex;
  /** a connection created with `keyPrefix: prefix` */
  redis: Redis;
  prefix: string;
  clock: Clock;
}

/** Area-days this far back keep their limits in Redis (any zone's "today" is within a day of UTC's). */
const KEEP_DAYS_BACK = 2;

/**
 * What follows a committed change of an area's catalog, wherever it was made (the admin
 * API, the operator's declared fields): the limits Redis enforces are reloaded for every
 * area-day it holds, from Postgres (never a cache), then every replica is told to drop
 * its cached copy. When this resolves, the next sale anywhere sells to the new limits.
 */
export async function propagateAreaChange(d: PropagateDeps, areaId: string): Promise<{ days: string[] }> {
  const area = await loadAreaConfig(d.db, areaId);
  const inventory = new Inventory(d.redis, {
    prefix: d.prefix,
    clock: d.clock,
    loadPlan: async (id, date) => planOf(await loadAreaConfig(d.db, id), date),
  });
  const now = d.clock.now();
  const days = await inventory.refreshPlans(
    areaId,
    area.planVersion,
    (date) => planOf(area, date),
    addDays(localDate(now, 'UTC'), -KEEP_DAYS_BACK),
  );
  await announceCatalogChange(d.redis, d.prefix, areaId, now.getTime());
  return { days };
}

/** The newest plan version Redis has been told of for an area (0: none). */
export async function announcedPlanVersion(redis: Redis, areaId: string): Promise<number> {
  return Number(await redis.get(invKeys(areaId, '').pv)) || 0;
}
