--[[
  Moves the expiry of an unpaid hold (a partner extends its reservation). The stock
  stays as it is; only the hold's expiry changes, in the record and in the expiry index.

  KEYS[1] res hash res:{area}:date    KEYS[2] exp zset exp:{area}
  ARGV[1] resId   ARGV[2] date   ARGV[3] new expiresAt ms   ARGV[4] now ms

  Returns 1 extended, 0 not a hold (already a sale), -1 no such reservation,
  -2 the hold has already expired (the sweeper releases it; it cannot come back),
  -9 bad arguments.
]]
local expAt, now = tonumber(ARGV[3]), tonumber(ARGV[4])
if not expAt or not now or expAt <= now then return -9 end
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return -1 end
local r = cjson.decode(raw)
if r.h == 0 then return 0 end
if (tonumber(r.e) or 0) <= now then return -2 end
r.e = expAt
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(r))
redis.call('ZADD', KEYS[2], expAt, ARGV[2] .. '|' .. ARGV[1])
return 1
