--[[
  Recomputes every counter of an area-day from its reservation records (the records
  are what the reconciler has already checked against Postgres) and repairs any
  counter that drifted. Atomic, so it is safe while selling.

  KEYS[1] day  KEYS[2] ids  KEYS[3] res   (as in reserve.lua)
  ARGV[1] events channel  ARGV[2] areaId  ARGV[3] date  ARGV[4] now ms

  Returns a flat list of repairs: { field, was, now, field, was, now, ... } where a
  field is 'used', 's:<slot>:used', 'c:<channel>:used' or 'id:<idHash>'.
]]
-- @include "level.lua"

local dayK, idsK, resK = KEYS[1], KEYS[2], KEYS[3]
local want, wantIds = { used = 0 }, {}
local recs = redis.call('HGETALL', resK)
for i = 2, #recs, 2 do
  local r = cjson.decode(recs[i])
  want.used = want.used + r.u
  local s, c = 's:' .. r.s .. ':used', 'c:' .. r.c .. ':used'
  want[s] = (want[s] or 0) + r.u
  want[c] = (want[c] or 0) + r.u
  for _, id in ipairs(r.i) do wantIds[id] = (wantIds[id] or 0) + 1 end
end

local fixes = {}
local have = redis.call('HGETALL', dayK)
for i = 1, #have, 2 do
  local f = have[i]
  if f == 'used' or string.match(f, '^[sc]:.+:used$') then
    local w = want[f] or 0
    if tonumber(have[i + 1]) ~= w then
      fixes[#fixes + 1] = f; fixes[#fixes + 1] = have[i + 1]; fixes[#fixes + 1] = tostring(w)
      redis.call('HSET', dayK, f, w)
    end
    want[f] = nil
  end
end
for f, w in pairs(want) do
  if w ~= 0 then
    fixes[#fixes + 1] = f; fixes[#fixes + 1] = '0'; fixes[#fixes + 1] = tostring(w)
    redis.call('HSET', dayK, f, w)
  end
end

local haveIds = redis.call('HGETALL', idsK)
for i = 1, #haveIds, 2 do
  local id, n = haveIds[i], tonumber(haveIds[i + 1])
  local w = wantIds[id] or 0
  if n ~= w then
    fixes[#fixes + 1] = 'id:' .. id; fixes[#fixes + 1] = tostring(n); fixes[#fixes + 1] = tostring(w)
    if w == 0 then redis.call('HDEL', idsK, id) else redis.call('HSET', idsK, id, w) end
  end
  wantIds[id] = nil
end
for id, w in pairs(wantIds) do
  fixes[#fixes + 1] = 'id:' .. id; fixes[#fixes + 1] = '0'; fixes[#fixes + 1] = tostring(w)
  redis.call('HSET', idsK, id, w)
end
if redis.call('HEXISTS', dayK, 'init') == 1 then updateLevel(dayK, ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])) end
return fixes
