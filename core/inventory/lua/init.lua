--[[
  Loads (or updates) the limits of an area-day from the catalog: daily capacity,
  threshold limits in units, per-ID limit, hysteresis, slot capacities and channel
  quotas. Counters already there are kept, so it is safe while selling. A plan older
  than the newest one Redis has seen for the area (a replica whose catalog cache had not
  heard of a change yet) is refused, never written over a newer one.

  KEYS[1] day hash  inv:{area}:date
  KEYS[2] days set  days:{area}      the area-days whose limits Redis holds (plans.lua)
  KEYS[3] version   pv:{area}        the newest plan version announced for the area
  ARGV[1] plan as JSON:
    { cap, yellow, orange, red, idLimit, hyst, slots = { [slotId] = cap }, quotas = { [channelId] = n } }
  ARGV[2] events channel  ARGV[3] areaId  ARGV[4] date  ARGV[5] now ms
  ARGV[6] the plan's version (areas.plan_version; 0 = unversioned)

  Returns the level name after the update, or 'stale' (nothing written) when ARGV[6] is
  older than the area's or this day's version: the caller reloads the plan and retries.
]]
-- @include "level.lua"

local dayK, daysK, pvK = KEYS[1], KEYS[2], KEYS[3]
local version = tonumber(ARGV[6]) or 0
local newest = math.max(tonumber(redis.call('GET', pvK)) or 0, tonumber(redis.call('HGET', dayK, 'pv')) or 0)
if version < newest then return 'stale' end

local p = cjson.decode(ARGV[1])
redis.call('HSET', dayK, 'cap', p.cap, 'yellow', p.yellow, 'orange', p.orange, 'red', p.red,
  'idlimit', p.idLimit, 'hyst', p.hyst, 'pv', version)
redis.call('HSETNX', dayK, 'used', 0)
for slot, cap in pairs(p.slots) do
  local old = redis.call('HMGET', dayK, 's:' .. slot .. ':cap', 's:' .. slot .. ':used')
  local was, used = tonumber(old[1]), tonumber(old[2]) or 0
  redis.call('HSET', dayK, 's:' .. slot .. ':cap', cap)
  redis.call('HSETNX', dayK, 's:' .. slot .. ':used', 0)
  -- a new capacity can fill or free a slot: replicas' sold-out caches must hear it
  if was and (used >= was) ~= (used >= cap) then
    redis.call('PUBLISH', ARGV[2], cjson.encode({ type = 'slot-state', areaId = ARGV[3], date = ARGV[4],
      slotId = slot, soldOut = used >= cap, at = tonumber(ARGV[5]) }))
  end
end
-- quotas: set the configured ones, drop the ones no longer configured
local fields = redis.call('HKEYS', dayK)
for _, f in ipairs(fields) do
  local ch = string.match(f, '^c:(.+):quota$')
  if ch and p.quotas[ch] == nil then redis.call('HDEL', dayK, f) end
end
for ch, q in pairs(p.quotas) do redis.call('HSET', dayK, 'c:' .. ch .. ':quota', q) end
redis.call('HSET', dayK, 'init', 1)
redis.call('SADD', daysK, ARGV[4])
return updateLevel(dayK, ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5]))
