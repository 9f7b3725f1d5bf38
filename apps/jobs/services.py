"""Writes for jobs that people (and the apps acting for them) make: creating a job, and the
actions on it: cancel, pause, resume, retry.

An action on a job is taken by an acting member (``actor``): the job is reached through
:func:`access_job_for_update`, which locks it and refuses (``NotAllowed``) anyone but the person
who started it, an owner or an admin (:mod:`apps.jobs.rules`). Processing the items is the
runner's (:mod:`apps.jobs.runner`), and the stalled-job sweep is :mod:`apps.jobs.recovery`'s:
system work, taking ids.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.accounts.models import User
from apps.core.errors import ServiceError
from apps.jobs.models import Job, JobItem, JobItemStatus, JobStatus, claim_lease, stale_claim
from apps.jobs.payloads import check_json, item_rows
from apps.jobs.queueing import (
    enqueue_chunks_on_commit,
    item_ids,
    job_finish_if_complete,
    on_cancelled_after_commit,
)
from apps.jobs.recovery import requeue
from apps.jobs.registry import job_kind_get
from apps.jobs.rules import job_action_refusal
from apps.workspaces.actors import Actor, NotAllowed, access_for_update
from apps.workspaces.models import Workspace

# --- Creating a job -----------------------------------------------------------------------------


@transaction.atomic
def job_create(
    *,
    workspace: Workspace,
    created_by: User | None,
    kind: str,
    items: Iterable[tuple[str, dict[str, Any]]],
    params: dict[str, Any] | None = None,
    label: str = "",
    chunk_size: int | None = None,
) -> Job:
    """Create a job of ``kind`` with one item per ``(key, payload)`` and queue its chunks.

    Called by the services of the apps that own the work, inside their own transaction (not
    durable): ``created_by`` is the person the job is for (who may then act on it), or None for
    work nobody started. Keys name the items to people (a SKU, a file name) and must be unique
    within the job. The chunk tasks are sent once the transaction commits.
    """
    if job_kind_get(kind) is None:
        raise ServiceError(f"“{kind}” is not a known kind of job.", field="kind")
    params = {} if params is None else params
    if not isinstance(params, dict):
        raise ServiceError("The job's parameters must be a mapping.", field="params")
    check_json(params, "The job's parameters")
    chunk_size = settings.JOB_CHUNK_SIZE if chunk_size is None else chunk_size
    if not isinstance(chunk_size, int) or chunk_size < 1:
        raise ServiceError("The chunk size must be a whole number of at least 1.")
    rows = item_rows(workspace, items)
    if not rows:
        raise ServiceError("A job needs at least one item.", field="items")

    job = Job.objects.create(
        workspace=workspace,
        kind=kind,
        label=label.strip()[:200],
        params=params,
        chunk_size=chunk_size,
        total=len(rows),
        created_by=created_by,
    )
    for row in rows:
        row.job = job
    JobItem.objects.bulk_create(rows, batch_size=1000)
    enqueue_chunks_on_commit(
        workspace_id=workspace.pk,
        job_id=job.pk,
        item_ids=item_ids(workspace, job.pk, Q(status=JobItemStatus.PENDING)),
        chunk_size=chunk_size,
    )
    return job


# --- Acting on a job ----------------------------------------------------------------------------


def access_job_for_update(actor: Actor, job_id: int) -> Job:
    """The job, locked until the transaction ends, for an action of ``actor``'s: refused unless
    they started it or are an owner or admin (the rule of :mod:`apps.jobs.rules`)."""
    job = access_for_update(actor, Job, job_id, missing="This job no longer exists.")
    refusal = job_action_refusal(actor, job)
    if refusal:
        raise NotAllowed(refusal)
    return job


@transaction.atomic(durable=True)
def job_cancel(*, actor: Actor, job_id: int) -> Job:
    """Stop the job: items not yet started are cancelled; what was done is kept.

    An item already in a handler finishes and is counted.
    """
    workspace = actor.workspace
    job = access_job_for_update(actor, job_id)
    if job.status == JobStatus.CANCELLED:
        raise ServiceError("This job has already been cancelled.")
    if job.is_terminal:
        raise ServiceError("This job has already finished; there is nothing left to cancel.")
    now = timezone.now()
    cancelled = item_ids(workspace, job.pk, Q(status=JobItemStatus.PENDING) | stale_claim(now))
    JobItem.objects.for_workspace(workspace).filter(job_id=job.pk, pk__in=cancelled).update(
        status=JobItemStatus.CANCELLED, finished_at=now
    )
    on_cancelled_after_commit(workspace, job, cancelled)
    job.status = JobStatus.CANCELLED
    job.finished_at = now
    job.save(update_fields=["status", "finished_at"])
    return job


def _pause(job: Job) -> Job:
    """Pause the job (locked by the caller)."""
    if not job.is_active:
        raise ServiceError(
            "Only a queued or running job can be paused; this one is "
            f"{job.get_status_display().lower()}."
        )
    job.status = JobStatus.PAUSED
    job.save(update_fields=["status"])
    return job


@transaction.atomic(durable=True)
def job_pause(*, actor: Actor, job_id: int) -> Job:
    """Stop taking new items; items already in a handler finish. Resume carries on."""
    return _pause(access_job_for_update(actor, job_id))


@transaction.atomic
def job_pause_by_system(*, workspace: Workspace, job_id: int) -> Job:
    """The job's own work pauses it, no person acting: a handler that ran out of credits stops
    its job cleanly, and resuming after a top-up carries on. Called from handlers, which may
    run inside a caller's transaction (an eager task): not durable."""
    job = Job.objects.for_workspace(workspace).select_for_update().filter(pk=job_id).first()
    if job is None:
        raise ServiceError("This job no longer exists.", code="not_found")
    return _pause(job)


@transaction.atomic(durable=True)
def job_resume(*, actor: Actor, job_id: int) -> Job:
    job = access_job_for_update(actor, job_id)
    if job.status != JobStatus.PAUSED:
        raise ServiceError(
            f"Only a paused job can be resumed; this one is {job.get_status_display().lower()}."
        )
    now = timezone.now()
    _job_start_new_run(job, now=now)
    # Items still in a live handler are left to it; stale claims belong to dead workers.
    pending = item_ids(actor.workspace, job.pk, Q(status=JobItemStatus.PENDING) | stale_claim(now))
    _job_enqueue_or_finish(actor.workspace, job, pending)
    return job


@transaction.atomic
def job_retry_stalled(*, actor: Actor, job_id: int) -> int:
    """*Retry* on a job whose worker died: queue its stalled items (and, if it has not moved
    for a lease, its pending ones) again now. Returns how many items were queued. Part of
    :func:`job_retry_failed` (so not durable)."""
    job = access_job_for_update(actor, job_id)
    if not job.is_active:
        return 0
    now = timezone.now()
    condition = stale_claim(now)
    if job.progressed_at is None or job.progressed_at < now - claim_lease():
        condition |= Q(status=JobItemStatus.PENDING)
    return requeue(actor.workspace.pk, job.pk, condition, now=now, why="retried")


@transaction.atomic(durable=True)
def job_retry_failed(*, actor: Actor, job_id: int) -> int:
    """Put the job's failed items back in the queue, and its stalled ones (held by a worker
    that died: see ``apps.jobs.recovery``). Returns how many there were.

    A paused job keeps its failed items until it is resumed.
    """
    workspace = actor.workspace
    job = access_job_for_update(actor, job_id)
    if job.status == JobStatus.CANCELLED:
        raise ServiceError("This job was cancelled; start a new job to do its items again.")
    stalled = job_retry_stalled(actor=actor, job_id=job.pk)
    failed_ids = item_ids(workspace, job.pk, Q(status=JobItemStatus.FAILED))
    retried = (
        JobItem.objects.for_workspace(workspace)
        .filter(job_id=job.pk, pk__in=failed_ids, status=JobItemStatus.FAILED)
        .update(
            status=JobItemStatus.PENDING,
            error="",
            result=None,
            claim_token="",
            claimed_at=None,
            finished_at=None,
        )
    )
    if not retried:
        if stalled:
            return stalled
        raise ServiceError("This job has no failed or stalled items to retry.")
    Job.objects.for_workspace(workspace).filter(pk=job.pk).update(failed=F("failed") - retried)
    job.refresh_from_db()
    if job.status == JobStatus.PAUSED:
        return retried
    if job.is_terminal:
        _job_start_new_run(job, now=timezone.now())
    _job_enqueue_or_finish(workspace, job, failed_ids)
    return retried + stalled


def _job_start_new_run(job: Job, *, now: datetime) -> None:
    """Back to queued (job locked by the caller); the time-left estimate starts afresh."""
    job.status = JobStatus.QUEUED
    job.finished_at = None
    job.run_started_at = None
    job.run_processed_base = job.processed
    job.progressed_at = now
    job.save(
        update_fields=[
            "status",
            "finished_at",
            "run_started_at",
            "run_processed_base",
            "progressed_at",
        ]
    )


def _job_enqueue_or_finish(workspace: Workspace, job: Job, ids: list[int]) -> None:
    if ids:
        enqueue_chunks_on_commit(
            workspace_id=workspace.pk, job_id=job.pk, item_ids=ids, chunk_size=job.chunk_size
        )
    elif job_finish_if_complete(workspace=workspace, job_id=job.pk):
        job.refresh_from_db()
