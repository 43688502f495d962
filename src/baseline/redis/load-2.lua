--[[
  Reads one identity's profile and the watermark of one partition.

  Input:
    KEYS[1] profile key
    KEYS[2] watermarks key
    ARGV[1] partition ('' when none)

  Output: { profile JSON or false, watermark or false }
]]
local profile = redis.call('GET', KEYS[1])
local wm = false
if ARGV[1] ~= '' then
  wm = redis.call('HGET', KEYS[2], ARGV[1])
end
return { profile, wm }
