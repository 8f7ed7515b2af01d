/**
 * Redis key layout of the hot inventory. Every key of one area carries the hash tag
 * `{areaId}`, so all keys a Lua script touches for an area-day sit in one cluster
 * slot and the scripts run unchanged on Redis Cluster. (The deployment's key prefix
 * is added by the ioredis connection, not here.)
 */
export const invKeys = (areaId: string, date: string) => ({
  /** counters and limits of the area-day (hash) */
  day: `inv:{${areaId}}:${date}`,
  /** idHash → tickets held or sold for that person that day (hash) */
  ids: `ids:{${areaId}}:${date}`,
  /** reservation id → JSON of what it holds (hash) */
  res: `res:{${areaId}}:${date}`,
  /** a running recount of the area-day: token, phase, cursor and its sums (hash; lua/audit.lua) */
  audit: `rc:{${areaId}}:${date}`,
  /** that recount's idHash → tickets sums (hash) */
  auditIds: `rci:{${areaId}}:${date}`,
  /** `${date}|${resId}` scored by expiry ms, for every unpaid hold of the area (zset) */
  exp: `exp:{${areaId}}`,
  /** channelId → 'paused' for manual switches of the area (hash) */
  sw: `sw:{${areaId}}`,
  /** the area-days whose limits Redis holds (set of YYYY-MM-DD) */
  days: `days:{${areaId}}`,
  /** the newest plan version announced for the area (string) */
  pv: `pv:{${areaId}}`,
});

export const switchesKey = (areaId: string) => `sw:{${areaId}}`;
export const expiryKey = (areaId: string) => `exp:{${areaId}}`;
