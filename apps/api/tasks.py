"""Celery tasks of the API: thin wrappers around ``apps.api.services``."""

from celery import shared_task

from apps.api import services


@shared_task(acks_late=True, time_limit=300, soft_time_limit=270)
def idempotent_requests_expire() -> int:
    """Beat: forget the stored answers of idempotent requests older than a day."""
    return services.idempotent_requests_expire()
