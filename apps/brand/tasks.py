"""Celery tasks for brand profiles: thin wrappers around ``apps.brand.services``' modules."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from apps.brand.services import fine_tuning, versions
from apps.workspaces.models import Workspace

CRASHES = (OperationalError, InterfaceError)


@shared_task(acks_late=True, time_limit=300, soft_time_limit=270)
def brand_train_due() -> int:
    """Beat: train profiles that received enough new material."""
    return versions.brand_train_due()


@shared_task(
    acks_late=True,
    autoretry_for=CRASHES,
    retry_backoff=True,
    max_retries=5,
    time_limit=300,
    soft_time_limit=270,
)
def brand_fine_tune_submit(*, workspace_id: int, run_id: int) -> str:
    workspace = Workspace.objects.filter(pk=workspace_id).first()
    if workspace is None:
        return "gone"
    return fine_tuning.fine_tune_submit(workspace=workspace, run_id=run_id).status


@shared_task(acks_late=True, time_limit=300, soft_time_limit=270)
def brand_fine_tune_poll() -> int:
    """Beat: follow running fine-tuning jobs."""
    return fine_tuning.fine_tune_poll_all()
