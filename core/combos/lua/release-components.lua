--[[
  Gives combo seats back: a hold that ended, an order written nowhere, a refund. Idempotent:
  releasing what the reservation no longer holds changes nothing.

  KEYS[1] used  KEYS[2] res   (as in reserve-components.lua)
  ARGV[1] resId
  ARGV[2] mode: 'all' | 'part'
  ARGV[3..] (mode 'part') pairs: field, seats

  Returns the number of seats given back.
]]
local usedK, resK, resId, mode = KEYS[1], KEYS[2], ARGV[1], ARGV[2]
local raw = redis.call('HGET', resK, resId)
if not raw then return 0 end
local rec = cjson.decode(raw)
local held = rec.s
local back = {}
if mode == 'all' then
  back = held
else
  for i = 3, #ARGV, 2 do
    local field, seats = ARGV[i], tonumber(ARGV[i + 1]) or 0
    local has = held[field] or 0
    if seats > has then seats = has end
    if seats > 0 then back[field] = (back[field] or 0) + seats end
  end
end
local total = 0
for field, seats in pairs(back) do
  redis.call('HINCRBY', usedK, field, -seats)
  held[field] = (held[field] or 0) - seats
  if held[field] <= 0 then held[field] = nil end
  total = total + seats
end
if next(held) == nil then
  redis.call('HDEL', resK, resId)
else
  rec.s = held
  redis.call('HSET', resK, resId, cjson.encode(rec))
end
return total
