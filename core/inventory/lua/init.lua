--[[
  Loads (or updates) the limits of an area-day from the catalog: daily capacity,
  threshold limits in units, per-ID limit, hysteresis, slot capacities and channel
  quotas. Counters already there are kept, so it is safe while selling.

  KEYS[1] day hash inv:{area}:date
  ARGV[1] plan as JSON:
    { cap, yellow, orange, red, idLimit, hyst, slots = { [slotId] = cap }, quotas = { [channelId] = n } }
  ARGV[2] events channel  ARGV[3] areaId  ARGV[4] date  ARGV[5] now ms

  Returns the level name after the update.
]]
-- @include "level.lua"

local dayK = KEYS[1]
local p = cjson.decode(ARGV[1])
redis.call('HSET', dayK, 'cap', p.cap, 'yellow', p.yellow, 'orange', p.orange, 'red', p.red,
  'idlimit', p.idLimit, 'hyst', p.hyst)
redis.call('HSETNX', dayK, 'used', 0)
for slot, cap in pairs(p.slots) do
  redis.call('HSET', dayK, 's:' .. slot .. ':cap', cap)
  redis.call('HSETNX', dayK, 's:' .. slot .. ':used', 0)
end
-- quotas: set the configured ones, drop the ones no longer configured
local fields = redis.call('HKEYS', dayK)
for _, f in ipairs(fields) do
  local ch = string.match(f, '^c:(.+):quota$')
  if ch and p.quotas[ch] == nil then redis.call('HDEL', dayK, f) end
end
for ch, q in pairs(p.quotas) do redis.call('HSET', dayK, 'c:' .. ch .. ':quota', q) end
redis.call('HSET', dayK, 'init', 1)
return updateLevel(dayK, ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5]))
