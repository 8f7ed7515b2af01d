--[[
  Gives stock back: a hold that expired, an order cancelled or refunded in full, or
  part of an order (refund of some visitors). Idempotent: releasing what is not
  there changes nothing.

  KEYS[1] day  KEYS[2] ids  KEYS[3] res  KEYS[4] exp  KEYS[5] rc  KEYS[6] rci   (as in reserve.lua)
  ARGV[1] resId  ARGV[2] date  ARGV[3] now ms  ARGV[4] events channel  ARGV[5] areaId
  ARGV[6] mode: 'all' | 'expired' (only an unpaid hold past its expiry) | 'part'
  ARGV[7] units to release (mode 'part')
  ARGV[8..] idHashes to release (mode 'part'; one entry per ticket)

  Returns { code, level, dayUsed, unitsReleased }
     1 released   0 nothing to release (unknown resId)
    -3 mode 'expired' but the reservation is paid or not yet expired
    -9 bad arguments
]]
-- @include "level.lua"
-- @include "audit.lua"

local dayK, idsK, resK, expK, rcK, rciK = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local resId, date, now, pub, area, mode = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], ARGV[5], ARGV[6]

local raw = redis.call('HGET', resK, resId)
if not raw then return { 0, redis.call('HGET', dayK, 'level') or 'green', tonumber(redis.call('HGET', dayK, 'used')) or 0, 0 } end
local r = cjson.decode(raw)
if mode == 'expired' and (r.h ~= 1 or r.e > now) then
  return { -3, redis.call('HGET', dayK, 'level') or 'green', tonumber(redis.call('HGET', dayK, 'used')) or 0, 0 }
end

local units, ids = r.u, r.i
local remaining = nil
if mode == 'part' then
  units = tonumber(ARGV[7])
  if not units or units < 0 or units > r.u then return { -9, '', 0, 0 } end
  ids = {}
  local left = {}
  for _, id in ipairs(r.i) do left[#left + 1] = id end
  for i = 8, #ARGV do
    for j, id in ipairs(left) do
      if id == ARGV[i] then
        ids[#ids + 1] = id
        table.remove(left, j)
        break
      end
    end
  end
  r.u = r.u - units
  r.i = left
  if r.u > 0 then remaining = r end
elseif mode ~= 'all' and mode ~= 'expired' then
  return { -9, '', 0, 0 }
end

local audit = auditToken(rcK)
if audit and r.a == audit then auditAdd(rcK, rciK, r.s, r.c, units, ids, -1) end
for _, id in ipairs(ids) do
  if redis.call('HINCRBY', idsK, id, -1) <= 0 then redis.call('HDEL', idsK, id) end
end
redis.call('HINCRBY', dayK, 'used', -units)
local slotLeft = redis.call('HINCRBY', dayK, 's:' .. r.s .. ':used', -units)
local slotCap = tonumber(redis.call('HGET', dayK, 's:' .. r.s .. ':cap')) or 0
if units > 0 and slotLeft < slotCap and slotLeft + units >= slotCap then
  redis.call('PUBLISH', pub, cjson.encode({ type = 'slot-state', areaId = area, date = date, slotId = r.s, soldOut = false, at = now }))
end
redis.call('HINCRBY', dayK, 'c:' .. r.c .. ':used', -units)
if remaining then
  redis.call('HSET', resK, resId, cjson.encode(remaining))
else
  redis.call('HDEL', resK, resId)
  redis.call('ZREM', expK, date .. '|' .. resId)
end
local level = updateLevel(dayK, pub, area, date, now)
return { 1, level, tonumber(redis.call('HGET', dayK, 'used')) or 0, units }
