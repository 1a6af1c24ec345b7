"""Leaky buckets and log-in back-off in Redis: one script call each, so every API process shares them.

A bucket holds up to `size` points and refills at `rate` points a second; a request takes its
cost from every bucket that applies (the caller's, and the field's own ones such as signUp per
IP) or, when any of them lacks it, from none. Time is Redis's own clock (`TIME`), so processes on
hosts with skewed clocks agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from redis.asyncio import Redis

# KEYS: the buckets. ARGV: per bucket size, rate, cost (3 values each). Returns
# {taken (1/0), retry_after_seconds, level of each bucket after the call...} as strings.
TAKE = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local levels, wait = {}, 0
for i, key in ipairs(KEYS) do
  local size, rate, cost = tonumber(ARGV[3*i-2]), tonumber(ARGV[3*i-1]), tonumber(ARGV[3*i])
  local state = redis.call('HMGET', key, 'level', 'at')
  local level = tonumber(state[1]) or size
  local at = tonumber(state[2]) or now
  level = math.min(size, level + math.max(0, now - at) * rate)
  levels[i] = level
  if cost > level then wait = math.max(wait, (cost - level) / rate) end
end
local taken = wait == 0 and 1 or 0
local reply = {tostring(taken), tostring(wait)}
for i, key in ipairs(KEYS) do
  local size, rate, cost = tonumber(ARGV[3*i-2]), tonumber(ARGV[3*i-1]), tonumber(ARGV[3*i])
  local level = levels[i]
  if taken == 1 then level = level - cost end
  redis.call('HSET', key, 'level', tostring(level), 'at', tostring(now))
  redis.call('EXPIRE', key, math.ceil(size / rate) + 1)
  reply[#reply + 1] = tostring(level)
end
return reply
"""

# Gives back points taken for a request that cost less than it asked for (never above the size).
REFUND = """
local level = tonumber(redis.call('HGET', KEYS[1], 'level'))
if level == nil then return nil end
level = math.min(tonumber(ARGV[1]), level + tonumber(ARGV[2]))
redis.call('HSET', KEYS[1], 'level', tostring(level))
return tostring(level)
"""


@dataclass(frozen=True)
class Bucket:
    key: str
    size: float
    rate: float  # points per second


@dataclass(frozen=True)
class Taken:
    taken: bool
    retry_after: int  # whole seconds until the refused cost fits (0 when taken)
    levels: list[float]


async def take(redis: Redis, buckets: list[tuple[Bucket, float]]) -> Taken:
    """Take each cost from its bucket, all or none."""
    args: list[str] = []
    for bucket, cost in buckets:
        args += [repr(float(bucket.size)), repr(float(bucket.rate)), repr(float(cost))]
    script = redis.register_script(TAKE)  # EVALSHA: the script's text is not sent (or hashed by Redis) each time
    reply = await script(keys=[bucket.key for bucket, _ in buckets], args=args)
    taken, wait, *levels = (float(value) for value in reply)
    return Taken(taken == 1, math.ceil(wait) if taken != 1 else 0, levels)


async def refund(redis: Redis, bucket: Bucket, points: float) -> None:
    script = redis.register_script(REFUND)
    await script(keys=[bucket.key], args=[repr(float(bucket.size)), repr(float(points))])


# KEYS: the account's and the IP's failure records. ARGV: action ('check', 'fail', 'succeed'),
# then per key its free failures; then base and max back-off seconds. Returns the seconds the
# log-in stays locked (0: open), as a string.
LOGIN = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local action, base, cap = ARGV[1], tonumber(ARGV[4]), tonumber(ARGV[5])
if action == 'succeed' then
  redis.call('DEL', KEYS[1])
  return '0'
end
local locked = 0
for i, key in ipairs(KEYS) do
  if action == 'fail' then
    local failures = redis.call('HINCRBY', key, 'failures', 1)
    local over = failures - tonumber(ARGV[1 + i])
    if over > 0 then
      local delay = math.min(cap, base * 2 ^ (over - 1))
      redis.call('HSET', key, 'until', tostring(now + delay))
    end
    redis.call('EXPIRE', key, math.ceil(cap * 2))
  end
  local until_ = tonumber(redis.call('HGET', key, 'until') or '0')
  locked = math.max(locked, until_ - now)
end
return tostring(math.max(locked, 0))
"""


async def log_in_attempt(
    redis: Redis, action: str, keys: tuple[str, str], free: tuple[int, int], base: float, cap: float
) -> float:
    """Seconds the log-in stays locked after `action` ('check', 'fail' or 'succeed')."""
    args = [action, str(free[0]), str(free[1]), repr(base), repr(cap)]
    script = redis.register_script(LOGIN)
    reply = await script(keys=list(keys), args=args)
    return float(reply)
