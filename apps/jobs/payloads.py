"""What a job stores: its items' keys and payloads, its parameters, its items' results.

Everything goes into JSON columns, so it is checked here before it is written, with a message
that names the item and what is wrong.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from apps.core.errors import ServiceError
from apps.jobs.models import JobItem
from apps.workspaces.models import Workspace

MAX_JOB_ITEMS = 100_000
MAX_ITEM_KEY_LENGTH = 255
MAX_ERROR_LENGTH = 2_000


def check_json(value: Any, what: str) -> None:
    """Refuse ``value`` unless it can be stored as JSON; ``what`` names it in the message."""
    try:
        json.dumps(value)
    except (TypeError, ValueError) as error:
        raise ServiceError(f"{what} cannot be stored: {error}.") from None


def item_rows(workspace: Workspace, items: Iterable[Any]) -> list[JobItem]:
    """Unsaved item rows for ``(key, payload)`` pairs, in order; refuses the first bad one."""
    rows: list[JobItem] = []
    first_position: dict[str, int] = {}
    for position, entry in enumerate(items, start=1):
        if len(rows) >= MAX_JOB_ITEMS:
            raise ServiceError(
                f"A job can hold at most {MAX_JOB_ITEMS:,} items; split the work into "
                "several jobs.",
                field="items",
            )
        try:
            key, payload = entry
        except (TypeError, ValueError):
            raise ServiceError(
                f"Item {position}: give a (key, payload) pair.", field="items"
            ) from None
        key = str(key).strip() if isinstance(key, str | int) else ""
        if not key:
            raise ServiceError(f"Item {position}: the key is empty.", field="items")
        if len(key) > MAX_ITEM_KEY_LENGTH:
            raise ServiceError(
                f"Item {position}: the key “{key[:40]}…” is longer than "
                f"{MAX_ITEM_KEY_LENGTH} characters.",
                field="items",
            )
        if key in first_position:
            raise ServiceError(
                f"Item {position}: the key “{key}” is already used by item "
                f"{first_position[key]}; each item of a job needs its own key.",
                field="items",
            )
        payload = {} if payload is None else payload
        if not isinstance(payload, dict):
            raise ServiceError(
                f"Item {position} (“{key}”): the payload must be a mapping.", field="items"
            )
        check_json(payload, f"Item {position} (“{key}”): the payload")
        first_position[key] = position
        rows.append(JobItem(workspace=workspace, key=key, position=position, payload=payload))
    return rows
