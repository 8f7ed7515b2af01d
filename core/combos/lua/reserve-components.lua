--[[
  Takes seats on combo components' sessions for one reservation, all or none: every
  session is checked before any is counted, so a refusal leaves nothing taken. The keys
  carry the area's hash tag (core/combos/keys.ts), so this runs on Redis Cluster next to
  the area's entry stock.

  KEYS[1] used   hash  'componentId|sessionId' -> seats taken that day
  KEYS[2] res    hash  resId -> JSON { t = taken at (ms), s = { field: seats } } of what it holds
  ARGV[1] resId
  ARGV[2] now (ms): the reconciler frees a reservation no live order points at once it is old enough
  ARGV[3..] triples: field, seats, capacity (the catalog's, read by the caller each time)

  Returns { code, index }
     1 taken   0 duplicate (the reservation already holds seats: nothing changes)
    -3 sold out: the session of triple `index` (1-based) has fewer free seats than asked
    -9 bad arguments
]]
local usedK, resK, resId = KEYS[1], KEYS[2], ARGV[1]
if (#ARGV - 2) % 3 ~= 0 or #ARGV < 5 then return { -9, 0 } end
if redis.call('HEXISTS', resK, resId) == 1 then return { 0, 0 } end

local want = {}
local n = 0
for i = 3, #ARGV, 3 do
  n = n + 1
  local field, seats, cap = ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])
  if not seats or not cap or seats <= 0 then return { -9, n } end
  want[field] = (want[field] or 0) + seats
  local used = tonumber(redis.call('HGET', usedK, field)) or 0
  if used + want[field] > cap then return { -3, n } end
end
for field, seats in pairs(want) do redis.call('HINCRBY', usedK, field, seats) end
redis.call('HSET', resK, resId, cjson.encode({ t = tonumber(ARGV[2]), s = want }))
return { 1, 0 }
