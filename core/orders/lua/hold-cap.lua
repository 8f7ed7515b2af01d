--[[
  Counts an order's units against the held-units budgets of who is placing it (issue 17
  item 8): each budget is a sorted set of the holds it has open on one area-day, member
  "<resId>:<units>", scored by the hold's expiry, with its running total of units in the
  key next to it (so a check costs O(expired), not O(holds)). Expired members are dropped
  first; if any budget would pass `cap`, nothing is recorded. Recording a member again
  changes nothing.

  KEYS[2i-1] zset    hc:{area}:<date>:<kind>:<who>     budget i (caller, address, device)
  KEYS[2i]   string  hc:{area}:<date>:<kind>:<who>:n   its total of units
  ARGV[1] now ms   ARGV[2] cap (units)   ARGV[3] member "<resId>:<units>"
  ARGV[4] expiresAt ms   ARGV[5] units

  Returns { 1 } recorded, or { -1, index of the first full budget (1-based), units it holds }.
]]
local now, cap, member, exp, units = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
local function unitsOf(m) return tonumber(string.match(m, ':(%d+)$')) or 0 end
for i = 1, #KEYS, 2 do
  local key, total = KEYS[i], KEYS[i + 1]
  local gone = 0
  for _, m in ipairs(redis.call('ZRANGEBYSCORE', key, '-inf', now)) do gone = gone + unitsOf(m) end
  if gone > 0 then
    redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
    redis.call('DECRBY', total, gone)
  end
  local held = tonumber(redis.call('GET', total)) or 0
  if redis.call('ZSCORE', key, member) then held = held - units end
  if held + units > cap then return { -1, (i + 1) / 2, held } end
end
for i = 1, #KEYS, 2 do
  local key, total = KEYS[i], KEYS[i + 1]
  if redis.call('ZADD', key, exp, member) == 1 then redis.call('INCRBY', total, units) end
  local last = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
  local at = math.floor(tonumber(last[2]) or exp)
  redis.call('PEXPIREAT', key, at)
  redis.call('PEXPIREAT', total, at)
end
return { 1 }
