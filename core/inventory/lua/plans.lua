--[[
  Announces a new plan version of an area and lists the area-days whose limits must be
  reloaded with it. From this step on, init.lua refuses any older plan, so a replica
  still holding the old catalog cannot undo the change on a day this list misses.

  KEYS[1] days set  days:{area}
  KEYS[2] version   pv:{area}
  ARGV[1] the new plan version
  ARGV[2] oldest date (YYYY-MM-DD) worth keeping: older days are dropped from the set

  Returns the dates (YYYY-MM-DD) to reload, oldest first.
]]
local daysK, pvK = KEYS[1], KEYS[2]
local version = tonumber(ARGV[1])
if version > (tonumber(redis.call('GET', pvK)) or 0) then redis.call('SET', pvK, version) end
local out = {}
for _, d in ipairs(redis.call('SMEMBERS', daysK)) do
  if d < ARGV[2] then redis.call('SREM', daysK, d) else out[#out + 1] = d end
end
table.sort(out)
return out
