--[[
  Forgets an identity: its profile, every partition watermark, and anything left of the old layout.

  Input:
    KEYS[1] profile hash
    KEYS[2] old profile key
    KEYS[3] old watermarks key

  Output: 1 when a profile existed, 0 otherwise
]]
local existed = redis.call('EXISTS', KEYS[1], KEYS[2])
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
if existed > 0 then return 1 end
return 0
