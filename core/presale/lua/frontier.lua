-- Shared by the waiting-room scripts (inlined by `-- @include "frontier.lua"`).
-- The admission frontier: buyers are numbered by arrival (1, 2, 3 ...) and position p
-- is admitted once p <= frontier. The frontier starts at `burst` when the window
-- opens and advances at `rate` per second; it is advanced lazily here, so a change of
-- rate applies from the moment it is made. From `closes` on (0 = never) the room is
-- closed: nobody joins, nobody is admitted, no admission holds stock.
-- Returns the frontier (0 before opening), -1 when no room is configured, -2 once closed.
local function advanceFrontier(key, now)
  local c = redis.call('HMGET', key, 'opens', 'rate', 'burst', 'front', 'last', 'closes')
  local opens, rate, burst = tonumber(c[1]), tonumber(c[2]), tonumber(c[3])
  if not opens then return -1 end
  local closes = tonumber(c[6]) or 0
  if closes > 0 and now >= closes then return -2 end
  if now < opens then return 0 end
  local last = tonumber(c[5]) or opens
  if last < opens then last = opens end
  local front = tonumber(c[4]) or burst
  if now > last then
    front = front + (now - last) * rate / 1000
    redis.call('HSET', key, 'front', front, 'last', now)
  end
  return math.floor(front)
end
