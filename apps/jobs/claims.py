"""Claims and bookkeeping: how the runner takes items, records their outcomes and gives them
back, each in one short transaction (see :mod:`apps.jobs.runner` for the whole protocol).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import DateTimeField, Exists, F, OuterRef, Q, Value
from django.db.models.fields import Field
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.jobs.models import (
    ACTIVE_JOB_STATUSES,
    Job,
    JobItem,
    JobItemStatus,
    JobStatus,
    stale_claim,
)
from apps.jobs.payloads import MAX_ERROR_LENGTH
from apps.jobs.queueing import on_cancelled_after_commit
from apps.workspaces.models import Workspace


class ItemOutcome(StrEnum):
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"
    ALREADY_FINISHED = "already_finished"  # another task finished it first
    BUSY = "busy"  # another live task holds its claim
    JOB_INACTIVE = "job_inactive"  # the job is paused, cancelled or finished
    SUPERSEDED = "superseded"  # our claim expired and another task took the item over


@contextmanager
def bookkeeping() -> Iterator[None]:
    """A transaction for claims, outcomes and counters.

    On PostgreSQL (with ``JOB_ASYNC_COMMIT``, the default) it commits without waiting for the
    disk: waiting for it cost more than all else per item. A database crash can then lose the
    last fraction of a second of bookkeeping, always whole transactions: an item's outcome and
    its count go together, and the items concerned are simply run again, never counted twice.
    Only these transactions; never one the caller opened, nor the handlers' own writes.
    """
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and settings.JOB_ASYNC_COMMIT and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        yield


@dataclass
class Finished:
    """The outcome of one handler call, waiting to be recorded."""

    item: JobItem
    status: JobItemStatus
    result: dict[str, Any] | None = None
    error: str = ""


def items_claim(
    workspace: Workspace, job: Job, item_ids: Sequence[int], token: str
) -> list[JobItem]:
    """Claim the items that are free, in one UPDATE; returns them in order.

    Free: pending; or running under an expired lease (its worker died); or running under this
    very token (the same task delivered again after its worker died: the task id is the token).
    Nothing is claimed unless the job is queued or running.
    """
    now = timezone.now()
    job_takes_items = Job.objects.for_workspace(workspace).filter(
        pk=OuterRef("job_id"), status__in=ACTIVE_JOB_STATUSES
    )
    with bookkeeping():
        claimed = (
            JobItem.objects.for_workspace(workspace)
            .filter(job_id=job.pk, pk__in=list(item_ids))
            .filter(
                Q(status=JobItemStatus.PENDING)
                | stale_claim(now)
                | Q(status=JobItemStatus.RUNNING, claim_token=token)
            )
            .filter(Exists(job_takes_items))
            .update(
                status=JobItemStatus.RUNNING,
                claim_token=token,
                claimed_at=now,
                attempts=F("attempts") + 1,
                started_at=Coalesce(F("started_at"), Value(now, output_field=DateTimeField())),
            )
        )
    if not claimed:
        return []
    return list(
        JobItem.objects.for_workspace(workspace)
        .filter(job_id=job.pk, pk__in=list(item_ids), status=JobItemStatus.RUNNING)
        .filter(claim_token=token)
        .defer("result", "error")
        .order_by("position", "pk")
    )


def claim_refused(
    workspace: Workspace, job: Job, item_ids: Iterable[int]
) -> dict[int, ItemOutcome]:
    """Why these items could not be claimed."""
    if not item_ids:
        return {}
    job_status = (
        Job.objects.for_workspace(workspace)
        .filter(pk=job.pk)
        .values_list("status", flat=True)
        .first()
    )
    rows = dict(
        JobItem.objects.for_workspace(workspace)
        .filter(job_id=job.pk, pk__in=list(item_ids))
        .values_list("pk", "status")
    )
    reasons: dict[int, ItemOutcome] = {}
    for item_id in item_ids:
        status = rows.get(item_id)
        if status is None or status not in (JobItemStatus.PENDING, JobItemStatus.RUNNING):
            reasons[item_id] = ItemOutcome.ALREADY_FINISHED
        elif job_status not in ACTIVE_JOB_STATUSES:
            reasons[item_id] = ItemOutcome.JOB_INACTIVE
        else:
            reasons[item_id] = ItemOutcome.BUSY
    return reasons


def _job_status_locked(workspace: Workspace, job: Job) -> str | None:
    """The job's status, its row locked first (as cancel, pause and retry lock it) so the
    bookkeeping and those actions wait for each other."""
    return (
        Job.objects.for_workspace(workspace)
        .select_for_update()
        .filter(pk=job.pk)
        .values_list("status", flat=True)
        .first()
    )


_COUNTERS: dict[str, tuple[str, ItemOutcome]] = {
    JobItemStatus.DONE: ("done", ItemOutcome.DONE),
    JobItemStatus.FAILED: ("failed", ItemOutcome.FAILED),
    JobItemStatus.SKIPPED: ("skipped", ItemOutcome.SKIPPED),
}


def items_record(
    workspace: Workspace, job: Job, finished: list[Finished], token: str
) -> tuple[list[ItemOutcome], str | None]:
    """Record outcomes and move the job's counters, in one transaction; returns the outcomes
    and the job's current status.

    Only items still running under ``token`` are recorded (their rows locked, so nobody can
    take them over meanwhile); an item whose claim was taken over is left to its new holder.
    The job row is locked first, as cancel, pause and retry do, so they wait for each other.
    """
    now = timezone.now()
    with bookkeeping():
        job_status = _job_status_locked(workspace, job)
        owned = set(
            JobItem.objects.for_workspace(workspace)
            .select_for_update()
            .filter(pk__in=[f.item.pk for f in finished])
            .filter(status=JobItemStatus.RUNNING, claim_token=token)
            .values_list("pk", flat=True)
        )
        counts: dict[str, int] = {}
        outcomes: list[ItemOutcome] = []
        recorded: list[Finished] = []
        for f in finished:
            if f.item.pk not in owned:
                outcomes.append(ItemOutcome.SUPERSEDED)
                continue
            counter, outcome = _COUNTERS[f.status]
            counts[counter] = counts.get(counter, 0) + 1
            outcomes.append(outcome)
            recorded.append(f)
        if recorded:
            _write_outcomes(workspace, recorded, now)
            Job.objects.for_workspace(workspace).filter(pk=job.pk).update(
                **{counter: F(counter) + n for counter, n in counts.items()}, progressed_at=now
            )
    return outcomes, job_status


def _column(name: str) -> Field[Any, Any]:
    field = JobItem._meta.get_field(name)
    if not isinstance(field, Field):  # a relation: never one of the columns written here
        raise TypeError(f"JobItem.{name} is not a column")
    return field


def _write_outcomes(workspace: Workspace, recorded: list[Finished], now: datetime) -> None:
    """One parameterised UPDATE per item, sent together (the hot path: ``bulk_update``'s CASE
    expressions cost more than the database work). Rows are locked and owned by the caller."""
    result_field, finished_at_field = _column("result"), _column("finished_at")
    finished_at = finished_at_field.get_db_prep_save(now, connection)
    table = connection.ops.quote_name(JobItem._meta.db_table)
    sql = (
        f"UPDATE {table} SET status = %s, result = %s, error = %s, finished_at = %s "
        "WHERE id = %s AND workspace_id = %s"
    )
    rows = []
    for f in recorded:
        f.item.status, f.item.result, f.item.error = f.status, f.result, f.error[:MAX_ERROR_LENGTH]
        f.item.finished_at = now
        result = result_field.get_db_prep_save(f.result, connection)
        rows.append((f.status, result, f.item.error, finished_at, f.item.pk, workspace.pk))
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def items_release(workspace: Workspace, job: Job, item_ids: Sequence[int], token: str) -> bool:
    """Give back claimed items that were not run (paused, cancelled, out of time). True when
    the job still takes items (it was resumed meanwhile, or the chunk ran out of time): the
    caller must queue them again."""
    with bookkeeping():
        # Locked: a cancel at this moment either sees these items back as pending (and cancels
        # them) or has committed first (and they are cancelled here).
        job_status = _job_status_locked(workspace, job)
        ours = JobItem.objects.for_workspace(workspace).filter(
            pk__in=list(item_ids), status=JobItemStatus.RUNNING, claim_token=token
        )
        if job_status == JobStatus.CANCELLED:
            on_cancelled_after_commit(workspace, job, list(ours.values_list("pk", flat=True)))
        ours.update(
            status=(
                JobItemStatus.CANCELLED
                if job_status == JobStatus.CANCELLED
                else JobItemStatus.PENDING
            ),
            claim_token="",
            claimed_at=None,
            attempts=F("attempts") - 1,
        )
    return job_status in ACTIVE_JOB_STATUSES
