--[[
  An admitted buyer holds stock: takes `units` from what its position may still hold,
  while the room is open. The hold path calls this before the reserve and gives the
  units back (ARGV[3] negative) when the reserve refuses.

  KEYS[1] room hash wr:{area}
  KEYS[2] used hash wr:{area}:used   position -> units its admissions have held
  ARGV[1] now ms   ARGV[2] position   ARGV[3] units (negative = give back)

  Returns the units left to the position after this, or
    -1 no room   -2 room closed   -3 not that many units left (nothing taken)
  A room configured before `units` existed allows 10 (DEFAULT_UNITS_PER_ADMISSION).
]]
local c = redis.call('HMGET', KEYS[1], 'opens', 'closes', 'units')
if not c[1] then return -1 end
local units = tonumber(ARGV[3])
if units < 0 then return (tonumber(c[3]) or 10) - redis.call('HINCRBY', KEYS[2], ARGV[2], units) end
local closes = tonumber(c[2]) or 0
if closes > 0 and tonumber(ARGV[1]) >= closes then return -2 end
local budget = tonumber(c[3]) or 10
local used = tonumber(redis.call('HGET', KEYS[2], ARGV[2])) or 0
if used + units > budget then return -3 end
redis.call('HINCRBY', KEYS[2], ARGV[2], units)
return budget - used - units
