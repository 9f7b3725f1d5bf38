"""Jobs whose worker died: claim heartbeats, the stalled-job sweep, and queueing stalled items.

A chunk task claims its items (``running`` under its token). While it lives, a heartbeat
thread refreshes those claims every ``JOB_ITEM_HEARTBEAT_SECONDS``, however long one item
takes; a claim not refreshed for ``JOB_ITEM_LEASE_SECONDS`` (two minutes by default) belongs
to a dead worker (killed, out of memory, the machine gone). Such items are *stalled*:

* the beat task ``jobs-recover-stalled`` (every ``JOB_STALL_SWEEP_SECONDS``) queues them again,
  so a job stuck behind a dead worker moves again within about three minutes, instead of
  waiting for the broker's visibility timeout (an hour);
* *Retry* on the job's page queues them again at once (``apps.jobs.services.job_retry_stalled``,
  through :func:`requeue`);
* with them it queues again the job's pending items, whose messages the dead worker may have
  fetched without starting them;
* the same sweep queues again the pending items of a job that made no progress for
  ``JOB_LOST_MESSAGES_SECONDS`` (its broker messages were lost: a flushed or restarted broker).

Duplicated messages are harmless: claims keep two tasks from running one item.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from apps.jobs.models import Job, JobItem, JobItemStatus, JobStatus, stale_claim
from apps.jobs.queueing import enqueue_chunks_on_commit, item_ids, job_finish_if_complete

logger = logging.getLogger(__name__)

ACTIVE = [JobStatus.RUNNING, JobStatus.QUEUED]


# --- Heartbeat ----------------------------------------------------------------------------------


@contextmanager
def claims_kept_alive(*, workspace_id: int, job_id: int, token: str) -> Iterator[None]:
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


def job_recover_stalled(*, now: datetime | None = None) -> int:
    """Site-wide sweep (Celery beat): queue again the stalled items of every active job, and the
    pending items of jobs whose messages were lost. Returns the number of jobs picked up."""
    now = now or timezone.now()
    with_stalled = set(
        JobItem.objects.all_workspaces()
        .filter(stale_claim(now), job__status__in=ACTIVE)
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
        # A dead worker also held messages it had fetched but not started: their items are
        # still pending and their messages stay with the broker until its visibility timeout.
        # Queue the job's pending items again too; claims make the duplicates harmless.
        condition = stale_claim(now) | Q(status=JobItemStatus.PENDING)
        if requeue(workspace_id, job_id, condition, now=now, why="stalled"):
            picked += 1
    return picked


def requeue(workspace_id: int, job_id: int, condition: Q, *, now: datetime, why: str) -> int:
    """Queue the job's items matching ``condition`` again (job row locked), or finish the job
    when none is left. Returns how many were queued.

    Their claims are left to expire: the new task takes them over as stale, and a late answer
    from a task thought dead (a network partition) finds its claim superseded and is not
    counted."""
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
        ids = item_ids(workspace_id, job_id, condition)
        if ids:
            logger.warning("Job %s %s: queueing %s items again", job_id, why, len(ids))
            enqueue_chunks_on_commit(
                workspace_id=workspace_id, job_id=job_id, item_ids=ids, chunk_size=job.chunk_size
            )
        else:
            job_finish_if_complete(workspace=workspace_id, job_id=job_id)
        return len(ids)
