--[[
  A buyer arrives at the waiting room: gets the next position in arrival order, or
  the position it already has (one per device).

  KEYS[1] room    hash  wr:{area}       opens, rate, burst, front, last, seq
  KEYS[2] devices hash  wr:{area}:dev   deviceHash -> position
  ARGV[1] now ms   ARGV[2] deviceHash ('' = no device limit)

  Returns { position, frontier, rate*1000 (integer), joined }; frontier -1 = no room.
]]
-- @include "frontier.lua"
local room, devices, now, dev = KEYS[1], KEYS[2], tonumber(ARGV[1]), ARGV[2]
local front = advanceFrontier(room, now)
if front < 0 then return { 0, -1, 0, 0 } end
local pos = dev ~= '' and tonumber(redis.call('HGET', devices, dev)) or nil
if not pos then
  pos = redis.call('HINCRBY', room, 'seq', 1)
  if dev ~= '' then redis.call('HSET', devices, dev, pos) end
end
local rate = tonumber(redis.call('HGET', room, 'rate')) or 0
return { pos, front, math.floor(rate * 1000), tonumber(redis.call('HGET', room, 'seq')) or 0 }
