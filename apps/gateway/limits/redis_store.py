"""The gateway's shared state in Redis, seen alike by every worker process that points at it.

Each of a call's two round trips is one Lua script, so a check and its change are atomic.
"""

from __future__ import annotations

import pickle
import time
from collections.abc import Sequence
from typing import Any

import redis

from apps.gateway.limits.keys import PREFIX, Begin, End, Keys, Slot, cool_key, fail_key

_BEGIN = """
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 then return {1, ttl} end
if ARGV[4] == '1' then
  local hit = redis.call('GET', KEYS[2])
  if hit then return {2, hit} end
end
local now = tonumber(ARGV[1])
local expires = tonumber(ARGV[2])
for i = 3, #KEYS do
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now)
  local limit = tonumber(ARGV[i + 2])
  if limit > 0 and redis.call('ZCARD', KEYS[i]) >= limit then return {3, 0} end
end
for i = 3, #KEYS do
  redis.call('ZADD', KEYS[i], expires, ARGV[3])
  redis.call('EXPIRE', KEYS[i], math.ceil(expires - now) + 60)
end
return {0, 0}
"""

_END = """
for i = 4, #KEYS do redis.call('ZREM', KEYS[i], ARGV[1]) end
if ARGV[2] == '0' then
  redis.call('DEL', KEYS[1])
  if ARGV[7] ~= '' then redis.call('SET', KEYS[3], ARGV[7], 'EX', ARGV[6]) end
  return 0
end
if ARGV[2] == '1' then
  local n = redis.call('INCR', KEYS[1])
  if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[4]) end
  if n >= tonumber(ARGV[3]) then
    redis.call('DEL', KEYS[1])
    redis.call('SET', KEYS[2], '1', 'EX', ARGV[5])
    return 1
  end
end
return 0
"""

_ACQUIRE = """
local now = tonumber(ARGV[1])
local expires = tonumber(ARGV[2])
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  local limit = tonumber(ARGV[i + 3])
  if limit > 0 and redis.call('ZCARD', key) >= limit then
    return 0
  end
end
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, expires, ARGV[3])
  redis.call('EXPIRE', key, math.ceil(expires - now) + 60)
end
return 1
"""

_TAKE_RATE = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
if n > tonumber(ARGV[1]) then
  redis.call('DECR', KEYS[1])
  return 0
end
return 1
"""

_FAILURE = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
if n >= tonumber(ARGV[1]) then
  redis.call('DEL', KEYS[1])
  redis.call('SET', KEYS[2], '1', 'EX', ARGV[3])
  return 1
end
return 0
"""

_NO_CACHE_KEY = PREFIX + "resp:none"


class RedisLimits:
    """The same state in Redis, shared by every process that points at it."""

    def __init__(self, url: str) -> None:
        self.client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self._begin = self.client.register_script(_BEGIN)
        self._end = self.client.register_script(_END)
        self._acquire = self.client.register_script(_ACQUIRE)
        self._take_rate = self.client.register_script(_TAKE_RATE)
        self._failure = self.client.register_script(_FAILURE)

    def reset(self) -> None:
        keys = list(self.client.scan_iter(match=PREFIX + "*", count=500))
        if keys:
            self.client.delete(*keys)

    def begin(
        self,
        keys: Keys,
        slots: Sequence[Slot],
        token: str,
        lease_seconds: float,
        cache_key: str | None,
    ) -> tuple[Begin, Any]:
        now = time.time()
        status, value = self._begin(
            keys=[keys.cool, cache_key or _NO_CACHE_KEY, *[slot.key for slot in slots]],
            args=[
                now,
                now + lease_seconds,
                token,
                "1" if cache_key else "0",
                *[slot.limit for slot in slots],
            ],
        )
        status = Begin(int(status))
        if status == Begin.COOLING:
            return status, int(value) / 1000
        if status == Begin.CACHED:
            # Written only by this gateway's end(), from its own result objects.
            return status, pickle.loads(value)
        return status, None

    def end(
        self,
        keys: Keys,
        slots: Sequence[Slot],
        token: str,
        outcome: End,
        *,
        cache_key: str | None = None,
        value: Any = None,
        cache_seconds: int = 0,
        threshold: int = 0,
        window: int = 0,
        cooldown: int = 0,
    ) -> bool:
        store = outcome == End.SUCCESS and cache_key is not None and cache_seconds > 0
        return bool(
            self._end(
                keys=[keys.fail, keys.cool, cache_key or _NO_CACHE_KEY, *[s.key for s in slots]],
                args=[
                    token,
                    int(outcome),
                    threshold,
                    window,
                    cooldown,
                    cache_seconds,
                    pickle.dumps(value) if store else "",
                ],
            )
        )

    def acquire(self, slots: Sequence[Slot], token: str, lease_seconds: float) -> bool:
        now = time.time()
        args: list[str | float] = [now, now + lease_seconds, token]
        args += [slot.limit for slot in slots]
        return bool(self._acquire(keys=[slot.key for slot in slots], args=args))

    def release(self, slots: Sequence[Slot], token: str) -> None:
        pipe = self.client.pipeline(transaction=False)
        for slot in slots:
            pipe.zrem(slot.key, token)
        pipe.execute()

    def in_flight(self, key: str) -> int:
        return int(self.client.zcount(key, time.time(), "+inf"))

    def take_rate(self, key: str, limit: int, window: int) -> bool:
        return bool(self._take_rate(keys=[key], args=[limit, window]))

    def health(self, scopes: Sequence[str]) -> dict[str, tuple[float, int]]:
        if not scopes:
            return {}
        pipe = self.client.pipeline(transaction=False)
        for scope in scopes:
            pipe.pttl(cool_key(scope))
            pipe.get(fail_key(scope))
        answers = pipe.execute()
        result = {}
        for i, scope in enumerate(scopes):
            ttl, failures = answers[2 * i], answers[2 * i + 1]
            result[scope] = (ttl / 1000 if ttl and ttl > 0 else 0.0, int(failures or 0))
        return result

    def record_failure(
        self, fail_key: str, cool_key: str, *, threshold: int, window: int, cooldown: int
    ) -> bool:
        return bool(self._failure(keys=[fail_key, cool_key], args=[threshold, window, cooldown]))
