--[[
  Takes holds out of one held-units budget (core/inventory/lua/budgets.lua): those the stock refused,
  whose write failed, or that Postgres says have ended. Members not there change nothing.

  KEYS[1] zset    hc:{area}:<date>:<kind>:<who>
  KEYS[2] string  its total of units (hc:…:n)
  ARGV[1..] members "<resId>:<units>"

  Returns the units taken out.
]]
local gone = 0
for _, m in ipairs(ARGV) do
  if redis.call('ZREM', KEYS[1], m) == 1 then gone = gone + (tonumber(string.match(m, ':(%d+)$')) or 0) end
end
if gone > 0 then redis.call('DECRBY', KEYS[2], gone) end
return gone
