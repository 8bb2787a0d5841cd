/**
 * The atomic Lua scripts of cluster mode. Every time is read from the Redis server's clock
 * (`TIME`), so processes whose clocks disagree still share one window. Keys and values never
 * hold personal data or credentials: dedupe values and API users appear only as hashes.
 */

const NOW_MS = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/**
 * Takes a call slot if the budget has room. KEYS: window (answered calls by answer time),
 * in flight (leases by expiry), pace, pause, stop, day count. ARGV: lease id, calls per
 * window, window ms, max concurrent, daily quota, pacing interval ms, burst tolerance ms,
 * lease ttl ms, day-count ttl ms, key ttl ms.
 * Returns { status, ms, now }: `granted`; `wait` ms; `busy` (wait for a release, at most ms);
 * `stopped` for ms; `quota` (the daily count is spent).
 */
const BUDGET_ACQUIRE = `${NOW_MS}
local stop = tonumber(redis.call('GET', KEYS[5]) or '0')
if stop > now then return {'stopped', stop - now, now} end
if tonumber(redis.call('GET', KEYS[6]) or '0') >= tonumber(ARGV[5]) then return {'quota', 0, now} end
local windowMs = tonumber(ARGV[3])
-- A slot whose lease expired belonged to a worker that died: it counts as answered when it expired.
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'WITHSCORES')
for i = 1, #expired, 2 do
  redis.call('ZREM', KEYS[2], expired[i])
  redis.call('ZADD', KEYS[1], expired[i + 1], expired[i])
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - windowMs)
local inflight = redis.call('ZCARD', KEYS[2])
local answered = redis.call('ZCARD', KEYS[1])
local function untilFirstLeaseExpires()
  local first = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  if #first == 0 then return 0 end
  return tonumber(first[2]) - now
end
if inflight >= tonumber(ARGV[4]) then return {'busy', untilFirstLeaseExpires(), now} end
if inflight + answered >= tonumber(ARGV[2]) then
  if answered == 0 then return {'busy', untilFirstLeaseExpires(), now} end
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {'wait', tonumber(oldest[2]) + windowMs - now, now}
end
local paused = tonumber(redis.call('GET', KEYS[4]) or '0')
if paused > now then return {'wait', paused - now, now} end
local nextArrival = tonumber(redis.call('GET', KEYS[3]) or '0')
local allowedAt = nextArrival - tonumber(ARGV[7])
if allowedAt > now then return {'wait', math.ceil(allowedAt - now), now} end
redis.call('SET', KEYS[3], tostring(math.max(nextArrival, now) + tonumber(ARGV[6])), 'PX', windowMs * 2)
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[8]), ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[10])
redis.call('PEXPIRE', KEYS[1], ARGV[10])
redis.call('INCR', KEYS[6])
redis.call('PEXPIRE', KEYS[6], ARGV[9])
return {'granted', 0, now}
`;

/**
 * Gives a slot back. KEYS: in flight, window, day count. ARGV: lease id, counted (1/0),
 * wake channel, key ttl ms. An uncounted call (Marketo did not count it) leaves no trace.
 */
const BUDGET_RELEASE = `${NOW_MS}
if redis.call('ZREM', KEYS[1], ARGV[1]) == 1 then
  if ARGV[2] == '1' then
    redis.call('ZADD', KEYS[2], now, ARGV[1])
    redis.call('PEXPIRE', KEYS[2], ARGV[4])
  elseif tonumber(redis.call('GET', KEYS[3]) or '0') > 0 then
    redis.call('DECR', KEYS[3])
  end
end
redis.call('PUBLISH', ARGV[3], 'slot')
return 1
`;

/** Extends the leases of live calls, and the key that holds them. KEYS: in flight. ARGV: ttl ms, lease ids… */
const BUDGET_RENEW = `${NOW_MS}
local ttl = tonumber(ARGV[1])
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], 'XX', now + ttl, ARGV[i]) end
if redis.call('PTTL', KEYS[1]) < 2 * ttl then redis.call('PEXPIRE', KEYS[1], 2 * ttl) end
return 1
`;

/** Holds every caller back for ARGV[1] ms (606/615), never shortening a longer pause. KEYS: pause. */
const BUDGET_PAUSE = `${NOW_MS}
local untilMs = now + tonumber(ARGV[1])
if untilMs > tonumber(redis.call('GET', KEYS[1]) or '0') then
  redis.call('SET', KEYS[1], untilMs, 'PX', tonumber(ARGV[1]))
end
return 1
`;

/** Stops every caller until ARGV[1] (epoch ms, 607). KEYS: stop. */
const BUDGET_STOP = `${NOW_MS}
local untilMs = tonumber(ARGV[1])
if untilMs > now and untilMs > tonumber(redis.call('GET', KEYS[1]) or '0') then
  redis.call('SET', KEYS[1], untilMs, 'PX', untilMs - now)
end
return 1
`;

/** Takes each free lock of KEYS for owner ARGV[1], ttl ARGV[2]; returns 1 (taken) or 0 (busy) per key. */
const LOCKS_ACQUIRE = `
local taken = {}
for i = 1, #KEYS do
  if redis.call('SET', KEYS[i], ARGV[1], 'NX', 'PX', ARGV[2]) then taken[i] = 1 else taken[i] = 0 end
end
return taken
`;

/** Releases the locks of KEYS that owner ARGV[1] still holds, and wakes waiters on channel ARGV[2]. */
const LOCKS_RELEASE = `
local released = 0
for i = 1, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[1] then
    redis.call('DEL', KEYS[i])
    released = released + 1
  end
end
if released > 0 then redis.call('PUBLISH', ARGV[2], 'locks') end
return released
`;

/** Extends the locks of KEYS that owner ARGV[1] still holds to ARGV[2] ms. */
const LOCKS_RENEW = `
for i = 1, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[1] then redis.call('PEXPIRE', KEYS[i], ARGV[2]) end
end
return 1
`;

/** Deletes KEYS[1] only if it still holds ARGV[1] (a token Marketo refused, a fetch lock). */
const DELETE_IF_EQUAL = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/**
 * Records a confirmed write in a lead-cache entry (a hash). KEYS: the entry. ARGV: lead id,
 * ttl ms, then field/value pairs (`f:<field>` digest, `l:<listId>` a/r). Another lead id
 * replaces the entry: what was known of the old lead says nothing of the new one.
 */
const LEAD_CACHE_RECORD = `
if redis.call('HGET', KEYS[1], 'id') ~= ARGV[1] then redis.call('DEL', KEYS[1]) end
redis.call('HSET', KEYS[1], 'id', ARGV[1])
for i = 3, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;

export const LUA_SCRIPTS = {
  leadCacheRecord: { keys: 1, lua: LEAD_CACHE_RECORD },
  budgetAcquire: { keys: 6, lua: BUDGET_ACQUIRE },
  budgetRelease: { keys: 3, lua: BUDGET_RELEASE },
  budgetRenew: { keys: 1, lua: BUDGET_RENEW },
  budgetPause: { keys: 1, lua: BUDGET_PAUSE },
  budgetStop: { keys: 1, lua: BUDGET_STOP },
  locksAcquire: { keys: undefined, lua: LOCKS_ACQUIRE },
  locksRelease: { keys: undefined, lua: LOCKS_RELEASE },
  locksRenew: { keys: undefined, lua: LOCKS_RENEW },
  deleteIfEqual: { keys: 1, lua: DELETE_IF_EQUAL },
} as const;

export type ScriptName = keyof typeof LUA_SCRIPTS;
