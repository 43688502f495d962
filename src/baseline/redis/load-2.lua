--[[
  Reads one identity's profile and the watermark of one partition. A client that holds the
  profile at some version passes it: when that is still the stored version, the profile itself
  is not sent again.

  Input:
    KEYS[1] profile key
    KEYS[2] watermarks key
    ARGV[1] partition ('' when none)
    ARGV[2] version the client holds ('' when none)

  Output: { profile JSON or false (also when unchanged), watermark or false, version or false,
            1 when the client's copy is current else 0 }
]]
local wm = false
if ARGV[1] ~= '' then
  wm = redis.call('HGET', KEYS[2], ARGV[1])
end
local version = redis.call('HGET', KEYS[2], '__v')
if version and ARGV[2] ~= '' and version == ARGV[2] and redis.call('EXISTS', KEYS[1]) == 1 then
  return { false, wm, version, 1 }
end
return { redis.call('GET', KEYS[1]), wm, version, 0 }
