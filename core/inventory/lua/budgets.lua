--[[
  Held-units budgets a sale may count against (issue 17 item 8; who has which is
  core/orders/hold-caps.ts). Each budget is a sorted set of the holds one caller keeps
  open on an area-day, member "<resId>:<units>", scored by the hold's expiry, with its
  running total of units in the key next to it, so a check costs O(expired), not
  O(holds). reserve.lua checks them before the stock and records the hold in them only
  when the stock takes it, in the same atomic step (issue 19: one Redis call per order
  instead of two). core/orders/lua/hold-drop.lua takes holds back out.

  The budgets are KEYS[from], KEYS[from + 1] (zset, total), KEYS[from + 2], … to the end.
]]
local function budgetUnitsOf(m) return tonumber(string.match(m, ':(%d+)$')) or 0 end

-- Drops each budget's expired holds, then: nil when `units` more of `member` fit under
-- `cap` in every one (recording a member again changes nothing), else { index of the
-- first full budget (1-based), the units it holds }.
local function budgetsFull(from, now, cap, member, units)
  for i = from, #KEYS, 2 do
    local key, total = KEYS[i], KEYS[i + 1]
    local gone = 0
    for _, m in ipairs(redis.call('ZRANGEBYSCORE', key, '-inf', now)) do gone = gone + budgetUnitsOf(m) end
    if gone > 0 then
      redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
      redis.call('DECRBY', total, gone)
    end
    local held = tonumber(redis.call('GET', total)) or 0
    if redis.call('ZSCORE', key, member) then held = held - units end
    if held + units > cap then return { (i - from) / 2 + 1, held } end
  end
  return nil
end

-- Records the hold in every budget; each key lives as long as its longest hold.
local function budgetsTake(from, member, exp, units)
  for i = from, #KEYS, 2 do
    local key, total = KEYS[i], KEYS[i + 1]
    if redis.call('ZADD', key, exp, member) == 1 then redis.call('INCRBY', total, units) end
    local last = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
    local at = math.floor(tonumber(last[2]) or exp)
    redis.call('PEXPIREAT', key, at)
    redis.call('PEXPIREAT', total, at)
  end
end
