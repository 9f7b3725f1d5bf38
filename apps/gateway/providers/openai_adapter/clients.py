"""The SDK's clients, one per key, base URL and outbound guard, reused across calls (each keeps
its connection pool), and what a rate-limited answer asks us to wait."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from email.utils import parsedate_to_datetime
from typing import Any

import openai

from apps.core import netguard

_clients: OrderedDict[tuple[str, str, netguard.OutboundPolicy | None], openai.OpenAI] = (
    OrderedDict()
)
_clients_lock = threading.Lock()
MAX_CACHED_CLIENTS = 64


def client_for(
    api_key: str, base_url: str, *, policy: netguard.OutboundPolicy | None = None
) -> openai.OpenAI:
    """One client (one connection pool) per key, base URL and guard, reused across calls.

    With a ``policy``, every connection goes through the outbound guard's transport.
    """
    cache_key = (api_key, base_url, policy)
    with _clients_lock:
        client = _clients.get(cache_key)
        if client is not None:
            _clients.move_to_end(cache_key)
            return client
        http_client = None
        if policy is not None:
            http_client = openai.DefaultHttpxClient(
                transport=netguard.guarded_transport(policy=policy), trust_env=False
            )
        client = openai.OpenAI(
            api_key=api_key,
            base_url=base_url,
            max_retries=0,  # the gateway retries; the SDK must not
            http_client=http_client,
        )
        _clients[cache_key] = client
        while len(_clients) > MAX_CACHED_CLIENTS:
            _clients.popitem(last=False)[1].close()
        return client


def reset_clients() -> None:
    with _clients_lock:
        for client in _clients.values():
            client.close()
        _clients.clear()


def retry_after(response: Any) -> float | None:
    """Seconds to wait from Retry-After-Ms / Retry-After (seconds or an HTTP date)."""
    headers = getattr(response, "headers", None) or {}
    value = headers.get("retry-after-ms")
    if value:
        try:
            return max(0.0, float(value) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None
