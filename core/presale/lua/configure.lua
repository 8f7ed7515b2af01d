--[[
  Opens (or re-tunes) the waiting room of an area: when it opens, how many buyers
  are let in at once, and how many per second after that. The frontier is first
  brought up to `now` at the old rate, so a rate change never re-admits or skips.

  KEYS[1] room hash wr:{area}
  ARGV[1] now ms  ARGV[2] opens ms  ARGV[3] rate per second  ARGV[4] burst

  Returns the frontier after the change.
]]
-- @include "frontier.lua"
local now = tonumber(ARGV[1])
advanceFrontier(KEYS[1], now)
redis.call('HSET', KEYS[1], 'opens', ARGV[2], 'rate', ARGV[3], 'burst', ARGV[4])
if redis.call('HEXISTS', KEYS[1], 'front') == 0 then redis.call('HSET', KEYS[1], 'front', ARGV[4]) end
return advanceFrontier(KEYS[1], now)
