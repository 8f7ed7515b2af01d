--[[
  A buyer arrives at the waiting room: gets the next position in arrival order, or
  the position it already has (one per device).

  KEYS[1] room    hash  wr:{area}       opens, closes, rate, burst, front, last, seq, units
  KEYS[2] devices hash  wr:{area}:dev   deviceHash -> position
  KEYS[3] used    hash  wr:{area}:used  position -> units its admissions have held
  ARGV[1] now ms   ARGV[2] deviceHash

  Returns { position, frontier, rate*1000 (integer), joined, units left to this position };
  frontier -1 = no room, -2 = closed.
  A room configured before `units` existed allows 10 (DEFAULT_UNITS_PER_ADMISSION).
]]
-- @include "frontier.lua"
local room, devices, used, now, dev = KEYS[1], KEYS[2], KEYS[3], tonumber(ARGV[1]), ARGV[2]
local front = advanceFrontier(room, now)
if front < 0 then return { 0, front, 0, 0, 0 } end
local pos = tonumber(redis.call('HGET', devices, dev))
if not pos then
  pos = redis.call('HINCRBY', room, 'seq', 1)
  redis.call('HSET', devices, dev, pos)
end
local c = redis.call('HMGET', room, 'rate', 'seq', 'units')
local left = (tonumber(c[3]) or 10) - (tonumber(redis.call('HGET', used, pos)) or 0)
return { pos, front, math.floor((tonumber(c[1]) or 0) * 1000), tonumber(c[2]) or 0, left }
