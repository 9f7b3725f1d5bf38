"""The gateway's shared state in this process (one process, many threads): right for the
single-process development setup, where no Redis is configured."""

from __future__ import annotations

import pickle
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from apps.gateway.limits.keys import Begin, End, Keys, Slot

MEMORY_CACHE_ENTRIES = 5000


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
