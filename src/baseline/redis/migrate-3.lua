--[[
  Moves one identity from the old layout (a JSON string and a watermarks hash) to the profile
  hash, keeping its watermarks, its version (bumped) and its time to live. Nothing happens when
  the hash exists already (another instance migrated it) or the old profile is gone (a reset).

  Input:
    KEYS[1] profile hash
    KEYS[2] old profile key     (string, JSON)
    KEYS[3] old watermarks key  (hash: partition -> offset, `__v`)

    ARGV[1] events
    ARGV[2..] field, value      (the profile's sections, encoded by the client)

  Output: the new version, or 0 when nothing was migrated
]]
if redis.call('EXISTS', KEYS[1]) == 1 or redis.call('EXISTS', KEYS[2]) == 0 then
  return 0
end
local old = redis.call('HGETALL', KEYS[3])
local fields = { '#e', ARGV[1] }
local version = 1
for i = 1, #old, 2 do
  if old[i] == '__v' then
    version = tonumber(old[i + 1]) + 1
  else
    fields[#fields + 1] = '@' .. old[i]
    fields[#fields + 1] = old[i + 1]
  end
end
fields[#fields + 1] = '#v'
fields[#fields + 1] = tostring(version)
for i = 2, #ARGV do fields[#fields + 1] = ARGV[i] end
local ttl = redis.call('PTTL', KEYS[2])
redis.call('HSET', KEYS[1], unpack(fields))
if ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) end
redis.call('DEL', KEYS[2], KEYS[3])
return version
