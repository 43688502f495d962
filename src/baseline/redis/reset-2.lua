--[[
  Forgets an identity: its profile and every partition watermark.

  Input:
    KEYS[1] profile key
    KEYS[2] watermarks key

  Output: 1 when a profile existed, 0 otherwise
]]
local existed = redis.call('EXISTS', KEYS[1])
redis.call('DEL', KEYS[1], KEYS[2])
return existed
