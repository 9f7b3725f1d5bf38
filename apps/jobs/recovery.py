"""Jobs whose worker died: claim heartbeats, the stalled-job sweep, and *Retry* on a stalled job.

A chunk task claims its items (``running`` under its token). While it lives, a heartbeat
thread refreshes those claims every ``JOB_ITEM_HEARTBEAT_SECONDS``, however long one item
takes; a claim not refreshed for ``JOB_ITEM_LEASE_SECONDS`` (two minutes by default) belongs
to a dead worker (killed, out of memory, the machine gone). Such items are *stalled*:

* the beat task ``jobs-recover-stalled`` (every ``JOB_STALL_SWEEP_SECONDS``) queues them again,
  so a job stuck behind a dead worker moves again within about three minutes, instead of
  waiting for the broker's visibility timeout (an hour);
* *Retry* on the job's page queues them again at once (and its failed items, as before);
* the same sweep queues again the pending items of a job that made no progress for
  ``JOB_LOST_MESSAGES_SECONDS`` (its broker messages were lost: a flushed or restarted broker).

Duplicated messages are harmless: claims keep two tasks from running one item.
"""

from __future__ import annotations

import logging
import threading
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from apps.accounts.models import User
from apps.core.errors import ServiceError
from apps.jobs.models import Job, JobItem, JobItemStatus, JobStatus
from apps.workspaces.models import Workspace

logger = logging.getLogger(__name__)

ACTIVE = [JobStatus.RUNNING, JobStatus.QUEUED]


def lease() -> timedelta:
    return timedelta(seconds=settings.JOB_ITEM_LEASE_SECONDS)


def _stalled(now: datetime) -> Q:
    """Items under a claim nobody has refreshed within the lease: their worker is gone."""
    return Q(status=JobItemStatus.RUNNING, claimed_at__lt=now - lease())


# --- Heartbeat ----------------------------------------------------------------------------------


@contextmanager
def claims_kept_alive(*, workspace_id: int, job_id: int, token: str):
    """Refresh the claims held under ``token`` in a background thread while the body runs."""
    interval = settings.JOB_ITEM_HEARTBEAT_SECONDS
    if interval <= 0 or connection.in_atomic_block:  # tests running a chunk inside a transaction
        yield
        return
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(interval):
                JobItem.objects.for_workspace(workspace_id).filter(
                    job_id=job_id, status=JobItemStatus.RUNNING, claim_token=token
                ).update(claimed_at=timezone.now())
        except Exception:  # the chunk goes on; at worst its claims expire and are taken over
            logger.exception("Job %s: claim heartbeat stopped", job_id)
        finally:
            connection.close()

    thread = threading.Thread(target=beat, name=f"job-{job_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=30)


# --- Finding and queueing stalled items -----------------------------------------------------------


def _queue_again(workspace_id: int, job_id: int, item_ids: list[int], chunk_size: int) -> None:
    from apps.jobs.services import _enqueue_chunks

    transaction.on_commit(
        lambda: _enqueue_chunks(
            workspace_id=workspace_id, job_id=job_id, item_ids=item_ids, chunk_size=chunk_size
        )
    )


def _ids(workspace_id: int, job_id: int, condition: Q) -> list[int]:
    return list(
        JobItem.objects.for_workspace(workspace_id)
        .filter(condition, job_id=job_id)
        .order_by("position", "pk")
        .values_list("pk", flat=True)
    )


def job_stalled_count(*, job: Job, now: datetime | None = None) -> int:
    """How many of the job's items are held by a worker that stopped answering."""
    if not job.is_active:
        return 0
    now = now or timezone.now()
    return (
        JobItem.objects.for_workspace(job.workspace_id).filter(_stalled(now), job_id=job.pk).count()
    )


def job_recover_stalled(*, now: datetime | None = None) -> int:
    """Site-wide sweep (Celery beat): queue again the stalled items of every active job, and the
    pending items of jobs whose messages were lost. Returns the number of jobs picked up."""
    now = now or timezone.now()
    with_stalled = set(
        JobItem.objects.all_workspaces()
        .filter(_stalled(now), job__status__in=ACTIVE)
        .values_list("workspace_id", "job_id")
        .distinct()
    )
    lost_cutoff = now - timedelta(seconds=settings.JOB_LOST_MESSAGES_SECONDS)
    silent = set(
        Job.objects.all_workspaces()
        .filter(status__in=ACTIVE)
        .filter(
            Q(progressed_at__lt=lost_cutoff)
            | Q(progressed_at__isnull=True, created_at__lt=lost_cutoff)
        )
        .values_list("workspace_id", "pk")
    )
    picked = 0
    for workspace_id, job_id in sorted(with_stalled | silent):
        condition = _stalled(now)
        if (workspace_id, job_id) in silent:
            condition |= Q(status=JobItemStatus.PENDING)
        if _requeue(workspace_id, job_id, condition, now=now, why="stalled"):
            picked += 1
    return picked


def _requeue(workspace_id: int, job_id: int, condition: Q, *, now: datetime, why: str) -> int:
    """Queue the job's items matching ``condition`` again (job row locked). Their claims are
    left to expire: the new task takes them over as stale, and a late answer from a task
    thought dead (a network partition) finds its claim superseded and is not counted."""
    from apps.jobs.services import job_finish_if_complete

    with transaction.atomic():
        job = (
            Job.objects.for_workspace(workspace_id)
            .select_for_update()
            .filter(pk=job_id, status__in=ACTIVE)
            .first()
        )
        if job is None:
            return 0
        Job.objects.for_workspace(workspace_id).filter(pk=job_id).update(progressed_at=now)
        item_ids = _ids(workspace_id, job_id, condition)
        if item_ids:
            logger.warning("Job %s %s: queueing %s items again", job_id, why, len(item_ids))
            _queue_again(workspace_id, job_id, item_ids, job.chunk_size)
        else:
            job_finish_if_complete(workspace=workspace_id, job_id=job_id)
        return len(item_ids)


@transaction.atomic
def job_retry_stalled(*, workspace: Workspace, actor: User | None, job_id: int) -> int:
    """*Retry* on a job whose worker died: queue its stalled items (and, if it has not moved
    for a lease, its pending ones) again now. Returns how many items were queued."""
    job = Job.objects.for_workspace(workspace).select_for_update().filter(pk=job_id).first()
    if job is None:
        raise ServiceError("This job no longer exists.", code="not_found")
    if job.status not in ACTIVE:
        return 0
    now = timezone.now()
    condition = _stalled(now)
    if job.progressed_at is None or job.progressed_at < now - lease():
        condition |= Q(status=JobItemStatus.PENDING)
    return _requeue(workspace.pk, job.pk, condition, now=now, why="retried")
