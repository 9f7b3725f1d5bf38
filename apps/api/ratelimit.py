"""Requests per key per minute, counted in the cache (Redis once ``REDIS_URL`` is set), so
every web process shares one count."""

from __future__ import annotations

import math
import time

from django.conf import settings
from django.core.cache import cache

WINDOW_SECONDS = 60


def rate_limit_hit(*, key_id: int, now: float | None = None) -> tuple[int, int]:
    """Count one request of the key; returns (requests left in this minute, seconds until the
    minute ends). Left below zero means refuse."""
    limit = settings.API_RATE_LIMIT_PER_MINUTE
    now = time.time() if now is None else now
    window = int(now // WINDOW_SECONDS)
    retry_after = max(1, math.ceil((window + 1) * WINDOW_SECONDS - now))
    if limit <= 0:
        return 1, retry_after
    name = f"api-rate:{key_id}:{window}"
    cache.add(name, 0, timeout=WINDOW_SECONDS * 2)
    try:
        used = cache.incr(name)
    except ValueError:  # expired between add and incr
        cache.add(name, 1, timeout=WINDOW_SECONDS * 2)
        used = 1
    return limit - used, retry_after
