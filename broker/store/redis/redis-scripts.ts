// The Redis store's Lua scripts. Each runs atomically on the one slot its keys share: a session's
// writes are applied only under its fence (the loser of an ownership race is refused), taking a
// session bumps the fence, and the retained topic index changes with its message.

/** Helpers every session script shares. KEYS: record, subscriptions, queue, inflight, incoming. */
const SESSION_PRELUDE = `
local function ttl(exp, persist)
  if exp > 0 then
    for k = 1, 5 do redis.call('PEXPIREAT', KEYS[k], exp) end
  elseif persist then
    for k = 1, 5 do redis.call('PERSIST', KEYS[k]) end
  end
end
local function clear() redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[5]) end
-- ARGV from i: nsub, (filter, sub)*, nqueue, entry*, ninflight, (id, entry)*, nincoming, id*
local function fill(i)
  local n = tonumber(ARGV[i]); i = i + 1
  for j = 1, n do redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]); i = i + 2 end
  n = tonumber(ARGV[i]); i = i + 1
  for j = 1, n do redis.call('RPUSH', KEYS[3], ARGV[i]); i = i + 1 end
  n = tonumber(ARGV[i]); i = i + 1
  for j = 1, n do redis.call('HSET', KEYS[4], ARGV[i], ARGV[i + 1]); i = i + 2 end
  n = tonumber(ARGV[i]); i = i + 1
  for j = 1, n do redis.call('SADD', KEYS[5], ARGV[i]); i = i + 1 end
  return i
end
-- Message expiry in the store: every queued entry carries its message's expiresAt at byte 2 (f64).
local function expireQueue(now)
  local items = redis.call('LRANGE', KEYS[3], 0, -1)
  local keep = {}
  for _, e in ipairs(items) do
    local at = struct.unpack('>d', e, 2)
    if at == 0 or at > now then keep[#keep + 1] = e end
  end
  if #keep == #items then return end
  redis.call('DEL', KEYS[3])
  for j = 1, #keep, 1000 do redis.call('RPUSH', KEYS[3], unpack(keep, j, math.min(j + 999, #keep))) end
end
`;

/**
 * ARGV: fence, seq, and the batch's ops in one binary string (redis-args.ts encodeWrites): one
 * byte per op code, then its operands (u16/u32 big-endian, f64, length-prefixed strings). Runs of
 * queue pushes, inflight puts and deletes become one command each. 0: fenced (another owner),
 * 2: this batch was applied already (a resend), 3: refused, the batch before it did not apply
 * (changes build on it; a whole rewrite or a delete does not), 1: applied. The session's keys
 * expire with it.
 */
export const APPLY_SCRIPT = `${SESSION_PRELUDE}
local cur = redis.call('HMGET', KEYS[1], 'fence', 'seq')
if cur[1] ~= ARGV[1] then return 0 end
local last, seq = tonumber(cur[2] or '0'), tonumber(ARGV[2])
if last >= seq then return 2 end
local b = ARGV[3]
local first = string.byte(b, 1)
if seq ~= last + 1 and first ~= 70 and first ~= 68 then return 3 end
local pos, len, persist = 1, #b, false
local function u16() local v; v, pos = struct.unpack('>I2', b, pos); return v end
local function u32() local v; v, pos = struct.unpack('>I4', b, pos); return v end
local function f64() local v; v, pos = struct.unpack('>d', b, pos); return v end
local function str(l) local s = string.sub(b, pos, pos + l - 1); pos = pos + l; return s end
local run, runN, runOp = {}, 0, 0
local function flush()
  if runN == 0 then return end
  local cmd, key = 'RPUSH', KEYS[3]
  if runOp == 104 then cmd, key = 'HSET', KEYS[4] elseif runOp == 100 then cmd, key = 'HDEL', KEYS[4] end
  for j = 1, runN, 4000 do redis.call(cmd, key, unpack(run, j, math.min(j + 3999, runN))) end
  run, runN, runOp = {}, 0, 0
end
while pos <= len do
  local op = string.byte(b, pos)
  pos = pos + 1
  if op == 112 or op == 104 or op == 100 then
    if runOp ~= op then flush(); runOp = op end
    if op == 104 or op == 100 then runN = runN + 1; run[runN] = u16() end
    if op ~= 100 then runN = runN + 1; run[runN] = str(u32()) end
  else
    flush()
    if op == 83 then redis.call('LTRIM', KEYS[3], u32(), -1)
    elseif op == 78 then redis.call('SADD', KEYS[5], u16())
    elseif op == 110 then redis.call('SREM', KEYS[5], u16())
    elseif op == 66 then local f = str(u16()); redis.call('HSET', KEYS[2], f, str(u32()))
    elseif op == 98 then redis.call('HDEL', KEYS[2], str(u16()))
    elseif op == 67 then redis.call('DEL', KEYS[3])
    elseif op == 88 then expireQueue(f64())
    elseif op == 82 or op == 70 then
      if op == 70 then clear() end
      local r = str(u32())
      redis.call('HSET', KEYS[1], 'rec', r, 'exp', string.format('%.0f', f64()))
      persist = true
      if op == 70 then
        for j = 1, u32() do local f = str(u16()); redis.call('HSET', KEYS[2], f, str(u32())) end
        for j = 1, u32() do redis.call('RPUSH', KEYS[3], str(u32())) end
        for j = 1, u32() do local id = u16(); redis.call('HSET', KEYS[4], id, str(u32())) end
        for j = 1, u32() do redis.call('SADD', KEYS[5], u16()) end
      end
    elseif op == 68 then redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]); return 1
    else return redis.error_reply('meshmq: unknown store op ' .. tostring(op)) end
  end
end
flush()
redis.call('HSET', KEYS[1], 'seq', ARGV[2])
ttl(tonumber(redis.call('HGET', KEYS[1], 'exp') or '0'), persist)
return 1
`;

/**
 * ARGV: mode (clean|load|expect|adopt), owner, record ('' keeps it), exp ('' keeps it), the mode's
 * argument (expected fence, or the dead node to adopt from), '1' when a replacement state follows.
 * The new fence is the store's clock in microseconds or one more than the last, whichever is larger,
 * so a fence is never reused even after the session was deleted; `expect` with the current fence
 * and no replacement keeps it (a reconnect to the owner). Returns {0} when adoption is
 * refused, else {1, fence, previous owner[, record, subscriptions, queue, inflight, incoming]}.
 */
export const ACQUIRE_SCRIPT = `${SESSION_PRELUDE}
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local cur = redis.call('HMGET', KEYS[1], 'fence', 'owner', 'rec')
local exists = cur[1] ~= false
local old = exists and tonumber(cur[1]) or 0
local mode = ARGV[1]
-- Adopt only from the named node (any of its lives, 'name#incarnation'), never from the caller itself.
if mode == 'adopt' and ((not exists) or cur[2] == ARGV[2] or (cur[2] ~= ARGV[5] and string.sub(cur[2], 1, #ARGV[5] + 1) ~= ARGV[5] .. '#')) then return {0} end
local state = false
-- The caller already holds the current fence and brings no new state: nobody is to be fenced out,
-- so the fence (and the writes queued under it) stay valid.
local renew = mode == 'expect' and exists and old == tonumber(ARGV[5]) and ARGV[6] ~= '1'
local function dump()
  return { cur[3], redis.call('HGETALL', KEYS[2]), redis.call('LRANGE', KEYS[3], 0, -1), redis.call('HGETALL', KEYS[4]), redis.call('SMEMBERS', KEYS[5]) }
end
if mode == 'clean' then clear()
elseif mode == 'load' or mode == 'adopt' then
  if exists and cur[3] then state = dump() end
elseif mode == 'expect' then
  if (not exists) or old == tonumber(ARGV[5]) then
    if ARGV[6] == '1' then clear(); fill(7) end
  elseif cur[3] then state = dump() end
end
local fence = renew and cur[1] or string.format('%.0f', math.max(old + 1, now))
if renew then redis.call('HSET', KEYS[1], 'owner', ARGV[2])
else redis.call('HSET', KEYS[1], 'fence', fence, 'owner', ARGV[2], 'seq', '0') end
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'rec', ARGV[3]) end
if ARGV[4] ~= '' then
  redis.call('HSET', KEYS[1], 'exp', ARGV[4])
  ttl(tonumber(ARGV[4]), true)
end
if state then return {1, fence, cur[2] or '', state[1], state[2], state[3], state[4], state[5]} end
return {1, fence, cur[2] or ''}
`;

/** A clean start elsewhere: deletes the session unless its fence is at or after ARGV[1]. */
export const DISCARD_SCRIPT = `
local f = redis.call('HGET', KEYS[1], 'fence')
if f and tonumber(f) < tonumber(ARGV[1]) then
  redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5])
  return 1
end
return 0
`;

/**
 * The retained topic index: one hash per topic-tree node (ARGV[1] .. depth .. ':' .. path), each
 * child level counting the retained topics below it, so a wildcard filter walks only its branches.
 */
const RETAINED_PRELUDE = `
local function index(prefix, topic, delta)
  local path, start, depth = '', 1, 0
  while true do
    local s = string.find(topic, '/', start, true)
    local level = s and string.sub(topic, start, s - 1) or string.sub(topic, start)
    local key = prefix .. depth .. ':' .. path
    if redis.call('HINCRBY', key, level, delta) <= 0 then redis.call('HDEL', key, level) end
    if not s then return end
    path = (depth == 0) and level or (path .. '/' .. level)
    depth = depth + 1
    start = s + 1
  end
end
local function remove(prefix, topic)
  if redis.call('HDEL', KEYS[1], topic) == 1 then index(prefix, topic, -1) end
  redis.call('ZREM', KEYS[2], topic)
end
`;

/** KEYS: messages, expiry; ARGV: index prefix, topic, message, expiresAt (0: never). */
export const RETAIN_PUT_SCRIPT = `${RETAINED_PRELUDE}
if redis.call('HSET', KEYS[1], ARGV[2], ARGV[3]) == 1 then index(ARGV[1], ARGV[2], 1) end
if tonumber(ARGV[4]) > 0 then redis.call('ZADD', KEYS[2], ARGV[4], ARGV[2]) else redis.call('ZREM', KEYS[2], ARGV[2]) end
return 1
`;

/** KEYS: messages, expiry; ARGV: index prefix, topic. */
export const RETAIN_DELETE_SCRIPT = `${RETAINED_PRELUDE}
remove(ARGV[1], ARGV[2])
return 1
`;

/** KEYS: messages, expiry; ARGV: index prefix, now (ms), limit. Expired ones go, by the expiry set (no scan). */
export const RETAIN_EXPIRE_SCRIPT = `${RETAINED_PRELUDE}
local due = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
for _, topic in ipairs(due) do remove(ARGV[1], topic) end
return #due
`;

/** KEYS: a key; ARGV: its expected value. Deleted only when it still holds that value (lease, lock). */
export const DELETE_IF_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;
