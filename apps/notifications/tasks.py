"""Celery tasks for notifications: thin wrappers around the services, idempotent.

Late acknowledgement: a task whose worker died runs again; the unique (event, recipient) rows
and the ``emailed_at`` / digest marks make the second run send nothing twice. OSError covers a
mail server that is briefly unreachable: that can succeed on a later try.
"""

from datetime import date
from typing import Any

from celery import shared_task

from apps.notifications import services

RETRY = {"acks_late": True, "autoretry_for": (OSError,), "retry_backoff": True, "max_retries": 5}


@shared_task(**RETRY)
def notify_event(
    *,
    workspace_id: int,
    name: str,
    key: str,
    payload: dict[str, Any],
    actor_user_id: int | None = None,
) -> int:
    notifications = services.notification_deliver_event(
        workspace_id=workspace_id, name=name, key=key, payload=payload, actor_user_id=actor_user_id
    )
    return len(notifications)


@shared_task(**RETRY)
def send_digest(*, workspace_id: int, user_id: int, day: str) -> bool:
    return services.digest_send(
        workspace_id=workspace_id, user_id=user_id, day=date.fromisoformat(day)
    )


@shared_task(acks_late=True)
def send_due_digests() -> int:
    """Beat, hourly: queue the day's digests that are due (once per member and day)."""
    return services.digest_send_due()
