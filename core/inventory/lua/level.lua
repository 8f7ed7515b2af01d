-- Shared by the inventory scripts (inlined at load time by `-- @include "level.lua"`).
-- Capacity level of an area-day from its used units and the limits stored in the
-- day hash. On the way down the level only drops once `used + hyst` is below the
-- threshold too, so a single refund at the edge does not flap the channels.
local LEVEL_NAMES = { [0] = 'green', [1] = 'yellow', [2] = 'orange', [3] = 'red' }
local LEVEL_RANK = { green = 0, yellow = 1, orange = 2, red = 3 }

local function levelFor(used, yellow, orange, red)
  if used >= red then return 3 end
  if used >= orange then return 2 end
  if used >= yellow then return 1 end
  return 0
end

-- Recomputes and stores the level; publishes a capacity-level event when it changes.
-- Returns the level name.
local function updateLevel(dayKey, pubChannel, areaId, date, now)
  local d = redis.call('HMGET', dayKey, 'used', 'yellow', 'orange', 'red', 'hyst', 'level', 'cap')
  local used = tonumber(d[1]) or 0
  local yellow, orange, red = tonumber(d[2]), tonumber(d[3]), tonumber(d[4])
  local hyst = tonumber(d[5]) or 0
  local cur = LEVEL_RANK[d[6] or 'green'] or 0
  local new = levelFor(used, yellow, orange, red)
  if new < cur then
    local held = levelFor(used + hyst, yellow, orange, red)
    if held > new then new = held end
    if new > cur then new = cur end
  end
  if new ~= cur then
    redis.call('HSET', dayKey, 'level', LEVEL_NAMES[new])
    redis.call('PUBLISH', pubChannel, cjson.encode({
      type = 'capacity-level', areaId = areaId, date = date, level = LEVEL_NAMES[new],
      previous = LEVEL_NAMES[cur], used = used, capacity = tonumber(d[7]) or 0, at = now,
    }))
  end
  return LEVEL_NAMES[new]
end
