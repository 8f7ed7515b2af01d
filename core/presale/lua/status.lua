--[[
  Where the admission frontier stands now.

  KEYS[1] room hash wr:{area}
  ARGV[1] now ms

  Returns { frontier, rate*1000 (integer), joined, opens }; frontier -1 = no room.
]]
-- @include "frontier.lua"
local front = advanceFrontier(KEYS[1], tonumber(ARGV[1]))
if front < 0 then return { -1, 0, 0, 0 } end
local c = redis.call('HMGET', KEYS[1], 'rate', 'seq', 'opens')
return { front, math.floor((tonumber(c[1]) or 0) * 1000), tonumber(c[2]) or 0, tonumber(c[3]) or 0 }
