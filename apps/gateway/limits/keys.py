"""The shape of the gateway's shared state: its keys, concurrency slots and request-rate
windows, and what the two round trips of a call answer (:class:`Begin`, :class:`End`)."""

from __future__ import annotations

import math
import time
import uuid
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from django.conf import settings

PREFIX = "atelier:gw:"


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
