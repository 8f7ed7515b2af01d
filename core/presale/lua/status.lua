--[[
  Where the admission frontier stands now, and what is left to one position.

  KEYS[1] room hash wr:{area}
  KEYS[2] used hash wr:{area}:used   position -> units its admissions have held
  ARGV[1] now ms   ARGV[2] position

  Returns { frontier, rate*1000 (integer), joined, opens, units left to this position };
  frontier -1 = no room, -2 = closed.
  A room configured before `units` existed allows 10 (DEFAULT_UNITS_PER_ADMISSION).
]]
-- @include "frontier.lua"
local front = advanceFrontier(KEYS[1], tonumber(ARGV[1]))
if front < 0 then return { front, 0, 0, 0, 0 } end
local c = redis.call('HMGET', KEYS[1], 'rate', 'seq', 'opens', 'units')
local left = (tonumber(c[4]) or 10) - (tonumber(redis.call('HGET', KEYS[2], ARGV[2])) or 0)
return { front, math.floor((tonumber(c[1]) or 0) * 1000), tonumber(c[2]) or 0, tonumber(c[3]) or 0, left }
