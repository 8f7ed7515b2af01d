-- Shared by reserve.lua, release.lua and recount-step.lua (inlined by `-- @include "audit.lua"`).
-- A recount (recount-step.lua) walks an area-day's reservation records in small chunks,
-- summing what they hold into the audit's own counters (`rc:` hash: 'w:used',
-- 'w:s:<slot>:used', 'w:c:<channel>:used'; `rci:` hash: idHash -> count). Each record it
-- has counted carries the audit's token (field `a`). While the audit runs, every script
-- that adds or removes a record's stock keeps those sums right too: a new record is
-- counted at once (and stamped, so the walk skips it), and stock leaving a record that
-- was counted is taken off the sums. So when the walk ends the sums are what the records
-- hold at that instant, however many sales ran in between, and they stay so until the
-- audit compares them with the live counters.

-- The token of the audit running on this area-day, or false.
local function auditToken(rcK)
  return redis.call('HGET', rcK, 'token')
end

-- Adds (sign 1) or takes off (sign -1) stock of slot/channel and the ID hashes from the sums.
local function auditAdd(rcK, rciK, slot, channel, units, ids, sign)
  if units ~= 0 then
    redis.call('HINCRBY', rcK, 'w:used', sign * units)
    redis.call('HINCRBY', rcK, 'w:s:' .. slot .. ':used', sign * units)
    redis.call('HINCRBY', rcK, 'w:c:' .. channel .. ':used', sign * units)
  end
  for _, id in ipairs(ids) do
    if redis.call('HINCRBY', rciK, id, sign) == 0 then redis.call('HDEL', rciK, id) end
  end
end
