"""Celery tasks for jobs: thin wrappers around the runner and the stalled-job sweep.

Late acknowledgement: a chunk is acknowledged only after it ran, so the chunks of a worker
killed mid-job go back to the queue (at once when only the pool process died; after Redis's
visibility timeout when the whole worker died) and are finished by another worker. The items'
claims make the second run skip what the first one finished.

Celery retries only crashes of the machinery (the database went away). Failures of an item's
own work are recorded on the item, never retried here; the person retries failed items.
"""

from celery import Task, shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from apps.jobs import recovery, runner

CRASHES = (OperationalError, InterfaceError)


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=CRASHES,
    retry_backoff=True,
    retry_backoff_max=60,
    max_retries=5,
    time_limit=settings.JOB_CHUNK_TIME_LIMIT,
    soft_time_limit=max(settings.JOB_CHUNK_TIME_LIMIT - 30, settings.JOB_CHUNK_TIME_LIMIT // 2),
)
def job_process_chunk(
    self: Task, *, workspace_id: int, job_id: int, item_ids: list[int]
) -> dict[str, int]:
    # The task id is the claim token: delivered again (its worker died, or a crash retry), the
    # task takes back the items it had claimed without waiting for their lease to expire.
    outcome = runner.job_chunk_process(
        workspace_id=workspace_id, job_id=job_id, item_ids=item_ids, claim_token=self.request.id
    )
    return outcome.counts


@shared_task(acks_late=True, time_limit=300, soft_time_limit=270)
def job_recover_stalled() -> int:
    return recovery.job_recover_stalled()
