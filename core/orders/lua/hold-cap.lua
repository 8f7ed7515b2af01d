--[[
  Counts an order's units against the held-units budgets of who is placing it (issue 17
  item 8): each budget is a sorted set of the holds it has open on one area-day, member
  "<resId>:<units>", scored by the hold's expiry. Expired members are dropped first; if
  any budget would pass `cap`, nothing is recorded.

  KEYS[1..n] zset  hc:{area}:<date>:<kind>:<who>   one per budget (caller, address, device)
  ARGV[1] now ms   ARGV[2] cap (units)   ARGV[3] member "<resId>:<units>"
  ARGV[4] expiresAt ms   ARGV[5] units

  Returns { 1 } recorded, or { -1, index of the first full budget (1-based), units it holds }.
]]
local now, cap, member, exp, units = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  local held = 0
  for _, m in ipairs(redis.call('ZRANGE', key, 0, -1)) do
    if m ~= member then held = held + (tonumber(string.match(m, ':(%d+)$')) or 0) end
  end
  if held + units > cap then return { -1, i, held } end
end
for _, key in ipairs(KEYS) do
  redis.call('ZADD', key, exp, member)
  local last = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
  redis.call('PEXPIREAT', key, math.floor(tonumber(last[2]) or exp))
end
return { 1 }
