-- One request counted in a fixed window: KEYS[1] the window's counter, ARGV[1] its
-- lifetime in seconds. The counter expires with the window it counts (set on its first
-- hit only: a hit never extends it). One call where MULTI/INCR/EXPIRE/EXEC was four.
local count = redis.call('INCR', KEYS[1])
if count == 1 then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
end
return count
