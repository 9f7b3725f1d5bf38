"""The gateway's shared state: concurrency limits, request rates, model cool-downs and the
response cache, shared by every worker.

With ``GATEWAY_LIMITS_REDIS_URL`` (``REDIS_URL`` by default) it lives in Redis and every worker
process sees the same numbers; without it, in this process, which is right for the
single-process development setup.

A call touches it twice per attempt, each time in one round trip (a Lua script in Redis):
:meth:`begin` (is the model cooling down? is the answer cached? take a concurrency slot) and
:meth:`end` (give the slot back, store the answer, count a failure or end a failure streak).
Under load every round trip waits for the network and then for the interpreter lock, so their
number is what the gateway's overhead is made of.

Concurrency is counted as leases in a sorted set scored by their expiry: a worker that dies
while holding a slot cannot keep it past the lease, so limits heal without a janitor.
"""

from __future__ import annotations

import math
import pickle
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from django.conf import settings

PREFIX = "atelier:gw:"
MEMORY_CACHE_ENTRIES = 5000


@dataclass(frozen=True)
class Slot:
    """One concurrency counter and its limit (0 = unlimited)."""

    key: str
    limit: int


class Begin(IntEnum):
    ACQUIRED = 0
    COOLING = 1
    CACHED = 2
    BUSY = 3


class End(IntEnum):
    SUCCESS = 0  # store the answer (if cacheable), end any failure streak
    HEALTH_FAILURE = 1  # counts toward the model's cool-down
    OTHER = 2  # neither: just give the slot back


@dataclass(frozen=True)
class Keys:
    """The keys one model (in one credential scope) uses."""

    cool: str
    fail: str

    @classmethod
    def for_scope(cls, model_scope: str) -> Keys:
        return cls(cool=cool_key(model_scope), fail=fail_key(model_scope))


class MemoryLimits:
    """In-process state: one process, many threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._leases: dict[str, dict[str, float]] = {}
        self._values: dict[str, tuple[int, float]] = {}  # key -> (value, expires_at)
        self._cache: OrderedDict[str, tuple[bytes, float]] = OrderedDict()

    def reset(self) -> None:
        with self._lock:
            self._leases.clear()
            self._values.clear()
            self._cache.clear()

    def _get(self, key: str, now: float) -> int:
        value, expires = self._values.get(key, (0, 0.0))
        return value if expires > now else 0

    def _acquire(self, slots: Sequence[Slot], token: str, lease_seconds: float, now: float) -> bool:
        for slot in slots:
            leases = self._leases.setdefault(slot.key, {})
            for stale in [t for t, exp in leases.items() if exp <= now]:
                del leases[stale]
            if slot.limit and len(leases) >= slot.limit:
                return False
        for slot in slots:
            self._leases[slot.key][token] = now + lease_seconds
        return True

    def _fail(self, keys: Keys, threshold: int, window: int, cooldown: int, now: float) -> bool:
        value = self._get(keys.fail, now)
        expires = self._values[keys.fail][1] if value else now + window
        value += 1
        if value >= threshold:
            self._values.pop(keys.fail, None)
            self._values[keys.cool] = (1, now + cooldown)
            return True
        self._values[keys.fail] = (value, expires)
        return False

    # --- the engine's two round trips ----------------------------------------------------------

    def begin(
        self,
        keys: Keys,
        slots: Sequence[Slot],
        token: str,
        lease_seconds: float,
        cache_key: str | None,
    ) -> tuple[Begin, Any]:
        now = time.time()
        with self._lock:
            if self._get(keys.cool, now):
                return Begin.COOLING, self._values[keys.cool][1] - now
            if cache_key is not None:
                hit = self._cache.get(cache_key)
                if hit is not None and hit[1] > now:
                    return Begin.CACHED, pickle.loads(hit[0])
            if not self._acquire(slots, token, lease_seconds, now):
                return Begin.BUSY, None
            return Begin.ACQUIRED, None

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
        """Returns True when this failure put the model into cool-down."""
        now = time.time()
        with self._lock:
            for slot in slots:
                self._leases.get(slot.key, {}).pop(token, None)
            if outcome == End.SUCCESS:
                self._values.pop(keys.fail, None)
                if cache_key is not None and cache_seconds > 0:
                    self._cache[cache_key] = (pickle.dumps(value), now + cache_seconds)
                    self._cache.move_to_end(cache_key)
                    while len(self._cache) > MEMORY_CACHE_ENTRIES:
                        self._cache.popitem(last=False)
                return False
            if outcome == End.HEALTH_FAILURE:
                return self._fail(keys, threshold, window, cooldown, now)
            return False

    # --- single operations (rate windows, inspection, tests) -----------------------------------

    def acquire(self, slots: Sequence[Slot], token: str, lease_seconds: float) -> bool:
        with self._lock:
            return self._acquire(slots, token, lease_seconds, time.time())

    def release(self, slots: Sequence[Slot], token: str) -> None:
        with self._lock:
            for slot in slots:
                self._leases.get(slot.key, {}).pop(token, None)

    def in_flight(self, key: str) -> int:
        now = time.time()
        with self._lock:
            return sum(1 for exp in self._leases.get(key, {}).values() if exp > now)

    def take_rate(self, key: str, limit: int, window: int) -> bool:
        now = time.time()
        with self._lock:
            value = self._get(key, now)
            if value >= limit:
                return False
            expires = self._values[key][1] if value else now + window
            self._values[key] = (value + 1, expires)
            return True

    def health(self, scopes: Sequence[str]) -> dict[str, tuple[float, int]]:
        """Per model scope: seconds of cool-down left (0 if none) and recent failures."""
        now = time.time()
        with self._lock:
            result = {}
            for scope in scopes:
                keys = Keys.for_scope(scope)
                left = self._values[keys.cool][1] - now if self._get(keys.cool, now) else 0.0
                result[scope] = (left, self._get(keys.fail, now))
            return result

    def record_failure(
        self, fail_key: str, cool_key: str, *, threshold: int, window: int, cooldown: int
    ) -> bool:
        with self._lock:
            return self._fail(
                Keys(cool=cool_key, fail=fail_key), threshold, window, cooldown, time.time()
            )


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
        import redis

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
        args = [now, now + lease_seconds, token, *[slot.limit for slot in slots]]
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


_backend: MemoryLimits | RedisLimits | None = None
_backend_url: str | None = None
_backend_lock = threading.Lock()


def backend() -> MemoryLimits | RedisLimits:
    """The process's backend (rebuilt if the configured Redis URL changes)."""
    global _backend, _backend_url
    url = getattr(settings, "GATEWAY_LIMITS_REDIS_URL", "") or ""
    if _backend is not None and _backend_url == url:
        return _backend
    with _backend_lock:
        if _backend is None or _backend_url != url:
            _backend = RedisLimits(url) if url else MemoryLimits()
            _backend_url = url
        return _backend


# --- Keys and limits ---------------------------------------------------------------------------


def concurrency_slots(
    *, workspace_id: int, model_scope: str, model_limit: int | None
) -> list[Slot]:
    slots = [Slot(f"{PREFIX}conc:ws:{workspace_id}", settings.GATEWAY_WORKSPACE_CONCURRENCY)]
    limit = settings.GATEWAY_MODEL_CONCURRENCY if model_limit is None else model_limit
    slots.append(Slot(f"{PREFIX}conc:model:{model_scope}", limit))
    return [slot for slot in slots if slot.limit]


def rate_keys(*, workspace_id: int, model_scope: str, model_rpm: int | None) -> list[Slot]:
    """Per-minute request windows (key carries the minute), for the limits that are set."""
    minute = int(time.time() // 60)
    slots = [Slot(f"{PREFIX}rpm:ws:{workspace_id}:{minute}", settings.GATEWAY_WORKSPACE_RPM)]
    limit = settings.GATEWAY_MODEL_RPM if model_rpm is None else model_rpm
    slots.append(Slot(f"{PREFIX}rpm:model:{model_scope}:{minute}", limit))
    return [slot for slot in slots if slot.limit]


def response_key(*parts: Any) -> str:
    return PREFIX + "resp:" + ":".join(str(p) for p in parts)


def seconds_to_next_minute() -> float:
    return 60 - (time.time() % 60)


def cool_key(model_scope: str) -> str:
    return f"{PREFIX}cool:{model_scope}"


def fail_key(model_scope: str) -> str:
    return f"{PREFIX}fail:{model_scope}"


def new_token() -> str:
    return uuid.uuid4().hex


def lease_seconds(deadline_seconds: float) -> float:
    return math.ceil(deadline_seconds) + 30
