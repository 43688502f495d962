--[[
  Writes what a batch changed in one identity's profile hash, together with its partition offset
  watermark, atomically, so that a redelivered event is never folded into the profile twice.

  An incremental write names the version it was computed against: the client loaded (or last
  wrote) the profile at that version and sends only the sections whose bytes changed since. When
  someone else wrote in between (a reset, an import, another instance after a rebalance) nothing
  is written and -1 comes back; the client then sends the whole profile (`*`), which replaces
  every section and keeps the watermarks. The event count is a counter of its own: an incremental
  write adds the batch's events to it, a whole write sets it.

  Input:
    KEYS[1] profile hash

    ARGV[1] partition           ('' when replaying without positions)
    ARGV[2] offset              ('' when replaying without positions)
    ARGV[3] ttl in milliseconds (idle identities expire)
    ARGV[4] base version        ('' none existed, '*' whole write)
    ARGV[5] events              (added when incremental, set when whole)
    ARGV[6] sections            (for each: the field's length as 2 bytes and the field, then the
                                 value's length as 4 bytes and the value, little-endian; an empty
                                 value deletes the section)

  Output: { version, sections written }
     { version >= 1, n }  applied
     { 0, 0 }             skipped: the offset is at or below the stored watermark (already applied)
     { -1, 0 }            the profile changed since the base version: nothing written
]]
local function after(a, b)
  -- Offsets are decimal strings that can pass 2^53: compare by length, then digits.
  if #a ~= #b then return #a > #b end
  return a > b
end

local wmField = '@' .. ARGV[1]
if ARGV[2] ~= '' then
  local wm = redis.call('HGET', KEYS[1], wmField)
  if wm and not after(ARGV[2], wm) then
    return { 0, 0 }
  end
end
local whole = ARGV[4] == '*'
if not whole then
  local current = redis.call('HGET', KEYS[1], '#v') or ''
  if current ~= ARGV[4] then
    return { -1, 0 }
  end
end

local fields = {}
local gone = {}
local frames = ARGV[6]
local pos = 1
while pos <= #frames do
  local field, value
  field, value, pos = struct.unpack('<I2c0I4c0', frames, pos)
  if value == '' then
    gone[#gone + 1] = field
  else
    fields[#fields + 1] = field
    fields[#fields + 1] = value
  end
end
if whole then
  -- Every section not in this write goes; the store's own fields (#, @) stay.
  local keep = {}
  for i = 1, #fields, 2 do keep[fields[i]] = true end
  for _, f in ipairs(redis.call('HKEYS', KEYS[1])) do
    local c = string.sub(f, 1, 1)
    if c ~= '#' and c ~= '@' and not keep[f] then gone[#gone + 1] = f end
  end
  redis.call('HSET', KEYS[1], '#e', ARGV[5])
elseif ARGV[5] ~= '0' then
  redis.call('HINCRBY', KEYS[1], '#e', ARGV[5])
end
if #gone > 0 then redis.call('HDEL', KEYS[1], unpack(gone)) end
if #fields > 0 then redis.call('HSET', KEYS[1], unpack(fields)) end
if ARGV[2] ~= '' then redis.call('HSET', KEYS[1], wmField, ARGV[2]) end
local version = redis.call('HINCRBY', KEYS[1], '#v', 1)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return { version, #fields / 2 }
