--[[
  Starts a chunked recount of an area-day (recount-step.lua does the work). Only one
  runs at a time per area-day: another one's token answers, and that caller waits
  for the next round. A recount whose reconciler died lapses after the TTL (each step
  renews it), and the scripts stop keeping its sums.

  KEYS[1] rc   hash  rc:{area}:date    the audit: token, phase, cursor, sums 'w:…'
  KEYS[2] rci  hash  rci:{area}:date   the audit's idHash -> count
  ARGV[1] token (unique per recount)   ARGV[2] TTL seconds

  Returns { 1, token } started, or { 0, token } another recount is running.
]]
local rcK, rciK = KEYS[1], KEYS[2]
local running = redis.call('HGET', rcK, 'token')
if running then return { 0, running } end
redis.call('UNLINK', rcK, rciK)
redis.call('HSET', rcK, 'token', ARGV[1], 'phase', 'res', 'cursor', '0')
redis.call('EXPIRE', rcK, tonumber(ARGV[2]))
return { 1, ARGV[1] }
