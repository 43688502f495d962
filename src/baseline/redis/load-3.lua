--[[
  Reads one identity's profile (a hash of sections) and the watermark of one partition. A client
  that holds the profile at some version passes it: when that is still the stored version, the
  sections are not sent again. A profile still in the old layout (one JSON string) is returned as
  such, for the client to migrate (migrate-3.lua).

  Input:
    KEYS[1] profile hash        (section -> bytes, `#v` version, `#e` events, `@<partition>` watermarks)
    KEYS[2] old profile key     (string, JSON; layout before the hash)
    KEYS[3] old watermarks key  (hash: partition -> offset, `__v`; layout before the hash)

    ARGV[1] partition ('' when none)
    ARGV[2] version the client holds ('' when none)

  Output: { state, watermark or false, version or false, events or false, then by state:
            0 no profile
            1 the client's copy is current (nothing follows)
            2 field, value, field, value... (every field of the hash)
            3 the old layout's JSON }
]]
if redis.call('EXISTS', KEYS[1]) == 1 then
  local meta = redis.call('HMGET', KEYS[1], '#v', '#e', '@' .. ARGV[1])
  local wm = false
  if ARGV[1] ~= '' then wm = meta[3] end
  if meta[1] and ARGV[2] ~= '' and meta[1] == ARGV[2] then
    return { 1, wm, meta[1], meta[2] }
  end
  local out = { 2, wm, meta[1], meta[2] }
  local all = redis.call('HGETALL', KEYS[1])
  for i = 1, #all do out[#out + 1] = all[i] end
  return out
end
local json = redis.call('GET', KEYS[2])
if not json then
  return { 0, false, false, false }
end
local wm = false
if ARGV[1] ~= '' then wm = redis.call('HGET', KEYS[3], ARGV[1]) end
return { 3, wm, redis.call('HGET', KEYS[3], '__v'), false, json }
