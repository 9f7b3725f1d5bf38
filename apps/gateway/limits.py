"""Concurrency limits, request rates and model cool-downs, shared by every worker.

With ``GATEWAY_LIMITS_REDIS_URL`` (``REDIS_URL`` by default) the counters live in Redis and
every worker process sees the same numbers; without it they live in this process, which is
right for the single-process development setup.

Concurrency is counted as leases in a sorted set scored by their expiry: a worker that dies
while holding a slot cannot keep it past the lease, so limits heal without a janitor.
"""

from __future__ import annotations

import math
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings

PREFIX = "atelier:gw:"


@dataclass(frozen=True)
class Slot:
    """One concurrency counter and its limit (0 = unlimited)."""

    key: str
    limit: int


class MemoryLimits:
    """In-process counters: one process, many threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._leases: dict[str, dict[str, float]] = {}
        self._values: dict[str, tuple[int, float]] = {}  # key -> (value, expires_at)

    def reset(self) -> None:
        with self._lock:
            self._leases.clear()
            self._values.clear()

    def _get(self, key: str, now: float) -> int:
        value, expires = self._values.get(key, (0, 0.0))
        return value if expires > now else 0

    def acquire(self, slots: Sequence[Slot], token: str, lease_seconds: float) -> bool:
        now = time.time()
        with self._lock:
            for slot in slots:
                leases = self._leases.setdefault(slot.key, {})
                for stale in [t for t, exp in leases.items() if exp <= now]:
                    del leases[stale]
                if slot.limit and len(leases) >= slot.limit:
                    return False
            for slot in slots:
                self._leases[slot.key][token] = now + lease_seconds
            return True

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
            expires = self._values.get(key, (0, now + window))[1] if value else now + window
            self._values[key] = (value + 1, expires)
            return True

    def health(self, scopes: Sequence[str]) -> dict[str, tuple[float, int]]:
        """Per model scope: seconds of cool-down left (0 if none) and recent failures."""
        now = time.time()
        with self._lock:
            result = {}
            for scope in scopes:
                cool = cool_key(scope)
                left = self._values[cool][1] - now if self._get(cool, now) else 0.0
                result[scope] = (left, self._get(fail_key(scope), now))
            return result

    def record_failure(
        self, fail_key: str, cool_key: str, *, threshold: int, window: int, cooldown: int
    ) -> bool:
        now = time.time()
        with self._lock:
            value = self._get(fail_key, now)
            expires = self._values[fail_key][1] if value else now + window
            value += 1
            if value >= threshold:
                self._values.pop(fail_key, None)
                self._values[cool_key] = (1, now + cooldown)
                return True
            self._values[fail_key] = (value, expires)
            return False

    def clear_failures(self, fail_key: str) -> None:
        with self._lock:
            self._values.pop(fail_key, None)

    def failures(self, fail_key: str) -> int:
        with self._lock:
            return self._get(fail_key, time.time())


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


class RedisLimits:
    """The same counters in Redis; each operation is one round trip (a script or a command)."""

    def __init__(self, url: str) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self._acquire = self.client.register_script(_ACQUIRE)
        self._take_rate = self.client.register_script(_TAKE_RATE)
        self._failure = self.client.register_script(_FAILURE)

    def reset(self) -> None:
        keys = list(self.client.scan_iter(match=PREFIX + "*", count=500))
        if keys:
            self.client.delete(*keys)

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

    def clear_failures(self, fail_key: str) -> None:
        self.client.delete(fail_key)

    def failures(self, fail_key: str) -> int:
        return int(self.client.get(fail_key) or 0)


_backend: MemoryLimits | RedisLimits | None = None
_backend_url: str | None = None
_backend_lock = threading.Lock()


def backend() -> MemoryLimits | RedisLimits:
    """The process's limits backend (rebuilt if the configured Redis URL changes)."""
    global _backend, _backend_url
    url = getattr(settings, "GATEWAY_LIMITS_REDIS_URL", "") or ""
    if _backend is not None and _backend_url == url:
        return _backend
    with _backend_lock:
        if _backend is None or _backend_url != url:
            _backend = RedisLimits(url) if url else MemoryLimits()
            _backend_url = url
        return _backend


# --- What the engine uses ----------------------------------------------------------------------


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
