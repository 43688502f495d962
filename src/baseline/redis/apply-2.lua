--[[
  Stores one identity's updated profile together with its partition offset watermark, atomically,
  so that a redelivered event is never folded into the profile twice. Every write bumps the
  profile's version (field `__v` of the watermarks hash), which lets a client that kept the
  profile it wrote skip reading it back while nobody else changed it.

  Input:
    KEYS[1] profile key         (string, JSON)
    KEYS[2] watermarks key      (hash: partition -> highest applied offset, and `__v`)

    ARGV[1] profile JSON
    ARGV[2] partition           ('' when replaying without positions)
    ARGV[3] offset              ('' when replaying without positions)
    ARGV[4] ttl in milliseconds (idle identities expire)

  Output:
     the new version (>= 1)  applied
     0                       skipped: the offset is at or below the stored watermark (already applied)
]]
if ARGV[3] ~= '' then
  local wm = redis.call('HGET', KEYS[2], ARGV[2])
  if wm and tonumber(ARGV[3]) <= tonumber(wm) then
    return 0
  end
  redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
end
local version = redis.call('HINCRBY', KEYS[2], '__v', 1)
redis.call('PEXPIRE', KEYS[2], ARGV[4])
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[4])
return version
