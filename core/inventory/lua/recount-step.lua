--[[
  One bounded step of a recount started by recount-start.lua: about ARGV[2] records, or
  4 × ARGV[2] ID counts (HSCAN COUNT) of one hash, so no step holds Redis for more than a few milliseconds at
  any number of reservations. The phases, in order:
    res   walk the reservation records; count each one not yet stamped with the token
          into the sums and stamp it (audit.lua: sales during the walk keep the sums right)
    ids   walk the live idHash counts; repair each that differs from the sums
    wids  walk the sums' idHashes; restore each one the live counts lack
    day   compare the day's used counters with the sums, repair, end the recount
  A repair in a step is atomic with the comparison, and every sale keeps live counters
  and sums moving together, so a difference is drift, never a sale in flight.

  KEYS[1] day  KEYS[2] ids  KEYS[3] res   (as in reserve.lua)
  KEYS[4] rc   KEYS[5] rci                (as in recount-start.lua)
  ARGV[1] token   ARGV[2] entries per step   ARGV[3] TTL seconds
  ARGV[4] events channel  ARGV[5] areaId  ARGV[6] date  ARGV[7] now ms

  Returns { state, field, was, now, field, was, now, ... } where state is 'more' (call
  again), 'done' (the recount ended) or 'lost' (this token no longer runs: lapsed or
  replaced), and a field is 'used', 's:<slot>:used', 'c:<channel>:used' or 'id:<idHash>'.
]]
-- @include "level.lua"
-- @include "audit.lua"

local dayK, idsK, resK, rcK, rciK = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local token, count, ttl = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local st = redis.call('HMGET', rcK, 'token', 'phase', 'cursor')
if st[1] ~= token then return { 'lost' } end
local phase, cursor = st[2], st[3]
local out = { 'more' }
local function fix(f, was, now)
  out[#out + 1] = f; out[#out + 1] = tostring(was); out[#out + 1] = tostring(now)
end

-- a count costs a few times less than a record: the count phases take bigger steps
local function walk(key, n)
  local r = redis.call('HSCAN', key, cursor, 'COUNT', n)
  return r[1], r[2]
end

local function nextPhase(next, p)
  if next == '0' then return p, '0' end
  return phase, next
end

if phase == 'res' then
  local next, recs = walk(resK, count)
  local sums, ids = {}, {}
  for i = 1, #recs, 2 do
    local r = cjson.decode(recs[i + 1])
    if r.a ~= token then
      r.a = token
      redis.call('HSET', resK, recs[i], cjson.encode(r))
      local s, c = 'w:s:' .. r.s .. ':used', 'w:c:' .. r.c .. ':used'
      sums['w:used'] = (sums['w:used'] or 0) + r.u
      sums[s] = (sums[s] or 0) + r.u
      sums[c] = (sums[c] or 0) + r.u
      for _, id in ipairs(r.i) do ids[id] = (ids[id] or 0) + 1 end
    end
  end
  for f, n in pairs(sums) do redis.call('HINCRBY', rcK, f, n) end
  for id, n in pairs(ids) do
    if redis.call('HINCRBY', rciK, id, n) == 0 then redis.call('HDEL', rciK, id) end
  end
  phase, cursor = nextPhase(next, 'ids')
elseif phase == 'ids' then
  local next, have = walk(idsK, count * 4)
  for i = 1, #have, 2 do
    local id, n = have[i], tonumber(have[i + 1])
    local w = tonumber(redis.call('HGET', rciK, id)) or 0
    if n ~= w then
      fix('id:' .. id, n, w)
      if w == 0 then redis.call('HDEL', idsK, id) else redis.call('HSET', idsK, id, w) end
    end
  end
  phase, cursor = nextPhase(next, 'wids')
elseif phase == 'wids' then
  local next, want = walk(rciK, count * 4)
  for i = 1, #want, 2 do
    local id, w = want[i], tonumber(want[i + 1])
    if w ~= 0 and redis.call('HEXISTS', idsK, id) == 0 then
      fix('id:' .. id, 0, w)
      redis.call('HSET', idsK, id, w)
    end
  end
  phase, cursor = nextPhase(next, 'day')
elseif phase == 'day' then
  -- a day's hash has a few fields per slot and channel: one step reads it whole
  local want = {}
  local sums = redis.call('HGETALL', rcK)
  for i = 1, #sums, 2 do
    local f = sums[i]
    if string.sub(f, 1, 2) == 'w:' then want[string.sub(f, 3)] = tonumber(sums[i + 1]) end
  end
  if redis.call('EXISTS', dayK) == 1 then
    local have = redis.call('HGETALL', dayK)
    for i = 1, #have, 2 do
      local f = have[i]
      if f == 'used' or string.match(f, '^[sc]:.+:used$') then
        local w = want[f] or 0
        if tonumber(have[i + 1]) ~= w then
          fix(f, have[i + 1], w)
          redis.call('HSET', dayK, f, w)
        end
        want[f] = nil
      end
    end
    for f, w in pairs(want) do
      if w ~= 0 then
        fix(f, 0, w)
        redis.call('HSET', dayK, f, w)
      end
    end
    if redis.call('HEXISTS', dayK, 'init') == 1 then
      updateLevel(dayK, ARGV[4], ARGV[5], ARGV[6], tonumber(ARGV[7]))
    end
  end
  -- UNLINK: the sums' ID hash has an entry per visitor; DEL would free them all in this call
  redis.call('UNLINK', rcK, rciK)
  out[1] = 'done'
  return out
end

redis.call('HSET', rcK, 'phase', phase, 'cursor', cursor)
redis.call('EXPIRE', rcK, ttl)
redis.call('EXPIRE', rciK, ttl)
return out
