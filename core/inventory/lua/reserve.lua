--[[
  Checks and reserves stock for one order in one atomic step: area-day capacity with
  the capacity-level rules, the time slot, the channel's quota, the channel's manual
  switch, and the per-ID-number daily limit; records the reservation with its expiry;
  recomputes the capacity level and publishes a change.

  KEYS[1] day   hash  inv:{area}:date   counters and limits
  KEYS[2] ids   hash  ids:{area}:date   idHash -> count
  KEYS[3] res   hash  res:{area}:date   resId -> JSON {s,c,u,i,h,e,t,n}
                                         (n = sale sequence number of the day, for audits)
  KEYS[4] exp   zset  exp:{area}        "date|resId" -> expiry ms (unpaid holds)
  KEYS[5] sw    hash  sw:{area}         channelId -> 'paused' (the declared switch),
                                         '@' .. channelId -> override JSON (staff)
  KEYS[6] rc    hash  rc:{area}:date    a running recount (audit.lua), if any
  KEYS[7] rci   hash  rci:{area}:date   its idHash sums
  KEYS[8..]     the held-units budgets of the buyer, if any (budgets.lua): pairs of
                zset hc:{area}:date:<kind>:<who> and its total of units (…:n)

  ARGV[1] resId   ARGV[2] date   ARGV[3] slotId   ARGV[4] channelId
  ARGV[5] channel kind: 'online' | 'onsite'
  ARGV[6] units (>0)   ARGV[7] expiresAt ms (0 = sold at once, no hold)
  ARGV[8] now ms   ARGV[9] events pub/sub channel   ARGV[10] areaId
  ARGV[11] '0' = a sale; '1' = adopt (reconciler: record what Postgres says exists, skip
          every check); 'r' = adopt over this resId's own record (reconciler correcting a
          reservation that drifted): the old record's stock is given back and the new one
          taken in the same step, so no sale can take the difference in between;
          'c:<resId>' = a sale that replaces the waiting-list claim <resId>
          of the same area-day: the claim's stock counts as free for the checks and is
          handed over in the same step, so nobody can take it in between
  ARGV[12] the budgets' cap in units ('0' without budgets)
  ARGV[13..] idHashes of the visitors (one per ticket; may repeat)

  Returns { code, level, dayUsed, slotUsed, slotCap, detail }
     1  reserved              2  already reserved under this resId (no change)
    -1  area-day not initialised (caller loads the plan and retries)
    -2  unknown slot          -3  slot sold out           -4  day sold out (red)
    -5  online channels closed at orange (on-site reserve)
    -6  channel quota reached -7  per-ID limit (detail = the idHash)
    -8  channel paused        -9  bad arguments
   -10  a budget is full (nothing taken): { -10, level, dayUsed, slotUsed, slotCap, '',
        index of that budget (1-based), units it holds }
]]
-- @include "level.lua"
-- @include "audit.lua"
-- @include "budgets.lua"

local dayK, idsK, resK, expK, swK, rcK, rciK = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
local resId, date, slot, channel, kind = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local units, expAt, now = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local pub, area, replace = ARGV[9], ARGV[10], ARGV[11] == 'r'
local adopt = ARGV[11] == '1' or replace
local claimId = string.sub(ARGV[11], 1, 2) == 'c:' and string.sub(ARGV[11], 3) or (replace and resId or nil)
local budgetCap, member = tonumber(ARGV[12]), resId .. ':' .. (ARGV[6] or '')

if not units or units < 1 or not expAt or not now or not budgetCap then return { -9, '', 0, 0, 0, 'bad arguments' } end

local sCap, sUsed = 's:' .. slot .. ':cap', 's:' .. slot .. ':used'
local cQuota, cUsed = 'c:' .. channel .. ':quota', 'c:' .. channel .. ':used'
local d = redis.call('HMGET', dayK, 'init', 'used', 'orange', 'red', 'idlimit', 'level', sCap, sUsed, cQuota, cUsed)
if not d[1] then return { -1, '', 0, 0, 0, '' } end
local used, orange, red, idLimit = tonumber(d[2]) or 0, tonumber(d[3]), tonumber(d[4]), tonumber(d[5]) or 0
local level = d[6] or 'green'
local slotCap, slotUsed = tonumber(d[7]), tonumber(d[8]) or 0
local quota, chUsed = tonumber(d[9]), tonumber(d[10]) or 0

local full = budgetsFull(8, now, budgetCap, member, units)
if full then return { -10, level, used, slotUsed, slotCap or 0, '', full[1], full[2] } end

if not replace and redis.call('HEXISTS', resK, resId) == 1 then
  budgetsTake(8, member, expAt, units)
  return { 2, level, used, slotUsed, slotCap or 0, '' }
end
if not slotCap then return { -2, level, used, slotUsed, 0, slot } end

-- a waiting-list claim being turned into this order: its stock is ours to take
local claim = nil
if claimId then
  local raw = redis.call('HGET', resK, claimId)
  if raw then claim = cjson.decode(raw) end
end
local cu = claim and claim.u or 0
local free = { used = used - cu, slot = slotUsed - ((claim and claim.s == slot) and cu or 0), ch = chUsed - ((claim and claim.c == channel) and cu or 0) }

-- visitors of this order, counted (one person may appear once per ticket)
local want = {}
for i = 13, #ARGV do want[ARGV[i]] = (want[ARGV[i]] or 0) + 1 end

if not adopt then
  if redis.call('HEXISTS', swK, channel) == 1 or redis.call('HEXISTS', swK, '@' .. channel) == 1 then
    return { -8, level, used, slotUsed, slotCap, channel }
  end
  if free.used + units > red then return { -4, level, used, slotUsed, slotCap, '' } end
  if kind ~= 'onsite' and ((not claim and LEVEL_RANK[level] >= 2) or free.used + units > orange) then
    return { -5, level, used, slotUsed, slotCap, '' }
  end
  if free.slot + units > slotCap then return { -3, level, used, slotUsed, slotCap, '' } end
  if quota and free.ch + units > quota then return { -6, level, used, slotUsed, slotCap, channel } end
  if idLimit > 0 then
    for id, n in pairs(want) do
      local have = tonumber(redis.call('HGET', idsK, id)) or 0
      if have + n > idLimit then return { -7, level, used, slotUsed, slotCap, id } end
    end
  end
end

local audit = auditToken(rcK)
if claim then
  if audit and claim.a == audit then auditAdd(rcK, rciK, claim.s, claim.c, cu, claim.i, -1) end
  for _, id in ipairs(claim.i) do
    if redis.call('HINCRBY', idsK, id, -1) <= 0 then redis.call('HDEL', idsK, id) end
  end
  redis.call('HINCRBY', dayK, 'used', -cu)
  redis.call('HINCRBY', dayK, 's:' .. claim.s .. ':used', -cu)
  redis.call('HINCRBY', dayK, 'c:' .. claim.c .. ':used', -cu)
  redis.call('HDEL', resK, claimId)
  redis.call('ZREM', expK, date .. '|' .. claimId)
end

local ids = {}
for id, n in pairs(want) do
  redis.call('HINCRBY', idsK, id, n)
  for _ = 1, n do ids[#ids + 1] = id end
end
used = redis.call('HINCRBY', dayK, 'used', units)
slotUsed = redis.call('HINCRBY', dayK, sUsed, units)
redis.call('HINCRBY', dayK, cUsed, units)
local held = expAt > 0 and 1 or 0
local seq = redis.call('HINCRBY', dayK, 'seq', 1)
local rec = { s = slot, c = channel, u = units, i = ids, h = held, e = expAt, t = now, n = seq, d = used }
if audit then
  rec.a = audit
  auditAdd(rcK, rciK, slot, channel, units, ids, 1)
end
redis.call('HSET', resK, resId, cjson.encode(rec))
if held == 1 then redis.call('ZADD', expK, expAt, date .. '|' .. resId) end
budgetsTake(8, member, expAt, units)
level = updateLevel(dayK, pub, area, date, now)
if slotUsed >= slotCap and slotUsed - units < slotCap then
  -- this sale filled the slot: every API replica can answer "sold out" from memory now
  redis.call('PUBLISH', pub, cjson.encode({ type = 'slot-state', areaId = area, date = date, slotId = slot, soldOut = true, at = now }))
end
return { 1, level, used, slotUsed, slotCap, '' }
