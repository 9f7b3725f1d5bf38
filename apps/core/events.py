"""Domain events: what happened in a workspace, told to whoever listens.

An app that owns a fact emits it (``copy.approved`` from the review seam, ``job.finished`` from the
job runner, ``credits.low`` from billing…). Listeners — in-app and e-mail notifications, outgoing
webhooks — subscribe from their ``AppConfig.ready()``. The emitter knows nothing of them, so
events flow up the layers without an import running the wrong way.

Events are delivered after the emitting transaction commits (a rolled-back change tells no one),
each with a key that names the fact once ("copy.approved:draft-12:v3"), so a listener can make its
own work idempotent per event and recipient.
"""

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    name: str
    workspace_id: int
    key: str
    payload: dict[str, Any] = field(default_factory=dict)
    # The member whose act this was (None for the system): listeners do not notify people of
    # their own acts.
    actor_user_id: int | None = None


Listener = Callable[[Event], None]

_names: dict[str, str] = {}
_listeners: dict[str, Listener] = {}


def register_events(choices: Iterable[tuple[str, str]]) -> None:
    """Make ``(name, label)`` pairs emittable; an app passes its ``Event`` TextChoices."""
    for name, label in choices:
        _names[name] = str(label)


def event_names() -> dict[str, str]:
    return dict(_names)


def subscribe(key: str, listener: Listener) -> None:
    """Call ``listener(event)`` for every event after its transaction commits. ``key`` names the
    subscription, so registering twice (a reloaded app) replaces rather than doubles."""
    _listeners[key] = listener


def emit(
    name: str,
    *,
    workspace_id: int,
    key: str,
    payload: dict[str, Any] | None = None,
    actor_user_id: int | None = None,
) -> Event:
    if name not in _names:
        raise ValueError(f"Event {name!r} is not registered; register it in ready().")
    event = Event(
        name=name,
        workspace_id=workspace_id,
        key=f"{name}:{key}",
        payload=payload or {},
        actor_user_id=actor_user_id,
    )
    transaction.on_commit(lambda: _deliver(event))
    return event


def _deliver(event: Event) -> None:
    for key, listener in list(_listeners.items()):
        try:
            listener(event)
        except Exception:
            # One listener failing (a broker hiccup) must not stop the others or the request
            # that already committed; listeners enqueue their own retried work.
            logger.exception("Listener %s failed on %s", key, event.key)
