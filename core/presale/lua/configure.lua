--[[
  Opens (or re-tunes) the waiting room of an area: when it opens and closes, how many
  buyers are let in at once, how many per second after that, and how many ticket units
  one admission may hold. The frontier is first brought up to `now` at the old rate, so
  a rate change never re-admits or skips.

  KEYS[1] room hash wr:{area}
  ARGV[1] now ms  ARGV[2] opens ms  ARGV[3] rate per second  ARGV[4] burst
  ARGV[5] closes ms (0 = never)  ARGV[6] units per admission

  Returns the frontier after the change (-2 when the room is closed by then).
]]
-- @include "frontier.lua"
local now = tonumber(ARGV[1])
advanceFrontier(KEYS[1], now)
redis.call('HSET', KEYS[1], 'opens', ARGV[2], 'rate', ARGV[3], 'burst', ARGV[4], 'closes', ARGV[5], 'units', ARGV[6])
if redis.call('HEXISTS', KEYS[1], 'front') == 0 then redis.call('HSET', KEYS[1], 'front', ARGV[4]) end
return advanceFrontier(KEYS[1], now)
