"""What every route shares: the acting member of the request, cursors, refusals."""

from __future__ import annotations

from django.http import HttpRequest

from apps.api.schemas import decode_cursor, encode_cursor
from apps.core.errors import ServiceError
from apps.workspaces.actors import Actor, NotAllowed
from apps.workspaces.roles import Action

PAGE_LIMIT_MAX = 500


def actor_of(request: HttpRequest) -> Actor:
    """The actor the gate built from the request's key (apps.api.middleware)."""
    return request.actor  # type: ignore[attr-defined]


def require_any(actor: Actor, *actions: Action) -> None:
    if not any(actor.can(action) for action in actions):
        raise NotAllowed(
            f"This key's role ({actor.role_label}) may not do this: {actions[0].label.lower()}."
        )


def cursor_after(cursor: str) -> int:
    try:
        return decode_cursor(cursor)
    except ValueError:
        raise ServiceError(
            "This cursor was not given by this API; start without one.", field="query.cursor"
        ) from None


def next_cursor(rows: list, limit: int) -> str | None:
    """The cursor after a full page (rows are model instances or dicts with an ``id``)."""
    if not rows or len(rows) < limit:
        return None
    last = rows[-1]
    return encode_cursor(last["id"] if isinstance(last, dict) else last.pk)
