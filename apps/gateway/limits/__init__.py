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

:mod:`~apps.gateway.limits.keys` names the state; :mod:`~apps.gateway.limits.memory` and
:mod:`~apps.gateway.limits.redis_store` keep it; :func:`backend` picks one.
"""

from __future__ import annotations

import threading

from django.conf import settings

from apps.gateway.limits.memory import MemoryLimits
from apps.gateway.limits.redis_store import RedisLimits

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
