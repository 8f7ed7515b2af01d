--[[
  Turns a hold into a sale (payment arrived): the stock stays taken, the expiry goes.

  KEYS[1] res hash res:{area}:date    KEYS[2] exp zset exp:{area}
  ARGV[1] resId   ARGV[2] date

  Returns 1 confirmed, 0 was already a sale, -1 no such reservation (expired and
  released before the payment: the caller must re-reserve or refund).
]]
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return -1 end
local r = cjson.decode(raw)
if r.h == 0 then return 0 end
r.h = 0
r.e = 0
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(r))
redis.call('ZREM', KEYS[2], ARGV[2] .. '|' .. ARGV[1])
return 1
