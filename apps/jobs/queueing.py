"""Sending a job's items to the workers, and settling a job once every item is counted.

Shared by the actions people take (:mod:`apps.jobs.services`), the runner
(:mod:`apps.jobs.runner`) and the stalled-job sweep (:mod:`apps.jobs.recovery`).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.db.models import Case, DateTimeField, F, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.core import events
from apps.jobs.events import JobEvent
from apps.jobs.models import ACTIVE_JOB_STATUSES, Job, JobItem, JobStatus
from apps.jobs.registry import job_kind_get
from apps.workspaces.models import Workspace


def item_ids(workspace: Workspace | int, job_id: int, condition: Q) -> list[int]:
    """The ids of the job's items matching ``condition``, in the job's order."""
    return list(
        JobItem.objects.for_workspace(workspace)
        .filter(condition, job_id=job_id)
        .order_by("position", "pk")
        .values_list("pk", flat=True)
    )


def enqueue_chunks(
    *,
    workspace_id: int,
    job_id: int,
    item_ids: Sequence[int],
    chunk_size: int,
    countdown: float | None = None,
) -> None:
    """Send one chunk task per ``chunk_size`` items, now."""
    # The task module imports the runner, which imports this one: the task is looked up here.
    from apps.jobs.tasks import job_process_chunk

    for start in range(0, len(item_ids), chunk_size):
        job_process_chunk.apply_async(
            kwargs={
                "workspace_id": workspace_id,
                "job_id": job_id,
                "item_ids": list(item_ids[start : start + chunk_size]),
            },
            countdown=countdown,
        )


def enqueue_chunks_on_commit(
    *, workspace_id: int, job_id: int, item_ids: Sequence[int], chunk_size: int
) -> None:
    """Send the chunk tasks once the caller's transaction commits (never for a rollback)."""
    ids = list(item_ids)
    transaction.on_commit(
        lambda: enqueue_chunks(
            workspace_id=workspace_id, job_id=job_id, item_ids=ids, chunk_size=chunk_size
        )
    )


def on_cancelled_after_commit(workspace: Workspace, job: Job, cancelled_ids: list[int]) -> None:
    """Tell the job's kind which items were cancelled unstarted, once that is committed."""
    kind = job_kind_get(job.kind)
    if cancelled_ids and kind is not None and kind.on_cancelled is not None:
        hook = kind.on_cancelled
        ids = list(cancelled_ids)
        transaction.on_commit(lambda: hook(workspace, job, ids))


def job_finish_if_complete(*, workspace: Workspace | int, job_id: int) -> bool:
    """Set the final status once every item is counted. True for the one call that did it,
    which also tells listeners (``job.finished`` or ``job.failed``) once it commits."""
    now = timezone.now()
    finished = bool(
        Job.objects.for_workspace(workspace)
        .filter(pk=job_id, status__in=ACTIVE_JOB_STATUSES)
        .filter(total__lte=F("done") + F("failed") + F("skipped"))
        .update(
            status=Case(
                When(failed=0, then=Value(JobStatus.SUCCEEDED)),
                When(done=0, skipped=0, then=Value(JobStatus.FAILED)),
                default=Value(JobStatus.FINISHED_WITH_ERRORS),
            ),
            finished_at=now,
            started_at=Coalesce(F("started_at"), Value(now, output_field=DateTimeField())),
        )
    )
    if finished:
        job_emit_finished(Job.objects.for_workspace(workspace).get(pk=job_id))
    return finished


def job_emit_finished(job: Job) -> None:
    event = JobEvent.FAILED if job.status == JobStatus.FAILED else JobEvent.FINISHED
    events.emit(
        event,
        workspace_id=job.workspace_id,
        key=f"job-{job.pk}",
        payload={
            "job_id": job.pk,
            "kind": job.kind,
            "label": str(job),
            "status": job.status,
            "total": job.total,
            "done": job.done,
            "failed": job.failed,
            "skipped": job.skipped,
            "created_by_id": job.created_by_id,
        },
    )
