"""Writes for jobs: creating them, acting on them, and processing their items.

How each item is processed exactly once (its outcome recorded once, counted once):

1. **Claim.** A chunk task claims its items in one conditional UPDATE that sets them
   ``running`` under its claim token (the Celery task id). An item can be claimed when it is
   ``pending``; or ``running`` under this very token (the same task delivered again after its
   worker died, or retried after a crash); or ``running`` under a claim older than
   ``JOB_ITEM_LEASE_SECONDS`` (longer than a chunk may live, so its worker is dead). Nothing is
   claimed unless the job is queued or running. A duplicated task finds the items claimed or
   finished and leaves them alone.
2. **Work.** The kind's handler runs for each item outside any transaction (it calls services
   that commit on their own, e.g. the model gateway's usage rows), at most
   ``JOB_ITEM_CONCURRENCY`` at once in a per-process thread pool: handlers mostly wait on a
   provider, so a 2-core worker still makes many calls at once.
3. **Record.** A round of outcomes at a time, one transaction locks the job row and the items
   still ``running`` under our token, writes their outcomes and adds to the job's counters with
   ``F()``. An item whose claim was taken over is not ours any more: nothing is counted for it.
   The same transaction reads the job's status: a paused or cancelled job starts no new item,
   and the claimed items not started are given back.
4. **Finish.** A conditional UPDATE sets the job's final status only while it is still queued
   or running and every item is counted, so it happens exactly once.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import close_old_connections, connection, connections, transaction
from django.db.models import Case, DateTimeField, Exists, F, OuterRef, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.accounts.models import User
from apps.core.errors import ServiceError
from apps.jobs.models import (
    ACTIVE_JOB_STATUSES,
    Job,
    JobItem,
    JobItemStatus,
    JobStatus,
)
from apps.jobs.recovery import claims_kept_alive, job_retry_stalled
from apps.jobs.registry import SkipItem, job_kind_get
from apps.workspaces.models import Workspace

logger = logging.getLogger(__name__)

MAX_JOB_ITEMS = 100_000
MAX_ITEM_KEY_LENGTH = 255
MAX_ERROR_LENGTH = 2_000


class ItemOutcome(StrEnum):
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"
    ALREADY_FINISHED = "already_finished"  # another task finished it first
    BUSY = "busy"  # another live task holds its claim
    JOB_INACTIVE = "job_inactive"  # the job is paused, cancelled or finished
    SUPERSEDED = "superseded"  # our claim expired and another task took the item over


@dataclass
class ChunkOutcome:
    counts: dict[str, int] = field(default_factory=dict)
    busy_item_ids: list[int] = field(default_factory=list)
    unstarted_item_ids: list[int] = field(default_factory=list)
    finished_job: bool = False

    def add(self, outcome: ItemOutcome) -> None:
        self.counts[outcome.value] = self.counts.get(outcome.value, 0) + 1


def _lease() -> timedelta:
    return timedelta(seconds=settings.JOB_ITEM_LEASE_SECONDS)


# --- Creating a job -----------------------------------------------------------------------------


def _check_json(value: Any, what: str) -> None:
    try:
        json.dumps(value)
    except (TypeError, ValueError) as error:
        raise ServiceError(f"{what} cannot be stored: {error}.") from None


def _item_rows(workspace: Workspace, items: Iterable) -> list[JobItem]:
    rows: list[JobItem] = []
    first_position: dict[str, int] = {}
    for position, entry in enumerate(items, start=1):
        if len(rows) >= MAX_JOB_ITEMS:
            raise ServiceError(
                f"A job can hold at most {MAX_JOB_ITEMS:,} items; split the work into "
                "several jobs.",
                field="items",
            )
        try:
            key, payload = entry
        except (TypeError, ValueError):
            raise ServiceError(
                f"Item {position}: give a (key, payload) pair.", field="items"
            ) from None
        key = str(key).strip() if isinstance(key, str | int) else ""
        if not key:
            raise ServiceError(f"Item {position}: the key is empty.", field="items")
        if len(key) > MAX_ITEM_KEY_LENGTH:
            raise ServiceError(
                f"Item {position}: the key “{key[:40]}…” is longer than "
                f"{MAX_ITEM_KEY_LENGTH} characters.",
                field="items",
            )
        if key in first_position:
            raise ServiceError(
                f"Item {position}: the key “{key}” is already used by item "
                f"{first_position[key]}; each item of a job needs its own key.",
                field="items",
            )
        payload = {} if payload is None else payload
        if not isinstance(payload, dict):
            raise ServiceError(
                f"Item {position} (“{key}”): the payload must be a mapping.", field="items"
            )
        _check_json(payload, f"Item {position} (“{key}”): the payload")
        first_position[key] = position
        rows.append(JobItem(workspace=workspace, key=key, position=position, payload=payload))
    return rows


@transaction.atomic
def job_create(
    *,
    workspace: Workspace,
    actor: User | None,
    kind: str,
    items: Iterable[tuple[str, dict[str, Any]]],
    params: dict[str, Any] | None = None,
    label: str = "",
    chunk_size: int | None = None,
) -> Job:
    """Create a job of ``kind`` with one item per ``(key, payload)`` and queue its chunks.

    Keys name the items to people (a SKU, a file name) and must be unique within the job.
    The chunk tasks are sent once the transaction commits.
    """
    if job_kind_get(kind) is None:
        raise ServiceError(f"“{kind}” is not a known kind of job.", field="kind")
    params = {} if params is None else params
    if not isinstance(params, dict):
        raise ServiceError("The job's parameters must be a mapping.", field="params")
    _check_json(params, "The job's parameters")
    chunk_size = settings.JOB_CHUNK_SIZE if chunk_size is None else chunk_size
    if not isinstance(chunk_size, int) or chunk_size < 1:
        raise ServiceError("The chunk size must be a whole number of at least 1.")
    rows = _item_rows(workspace, items)
    if not rows:
        raise ServiceError("A job needs at least one item.", field="items")

    job = Job.objects.create(
        workspace=workspace,
        kind=kind,
        label=label.strip()[:200],
        params=params,
        chunk_size=chunk_size,
        total=len(rows),
        created_by=actor,
    )
    for row in rows:
        row.job = job
    JobItem.objects.bulk_create(rows, batch_size=1000)
    item_ids = _item_ids(workspace, job.pk, Q(status=JobItemStatus.PENDING))
    transaction.on_commit(
        lambda: _enqueue_chunks(
            workspace_id=workspace.pk, job_id=job.pk, item_ids=item_ids, chunk_size=chunk_size
        )
    )
    return job


def _item_ids(workspace: Workspace | int, job_id: int, condition: Q) -> list[int]:
    return list(
        JobItem.objects.for_workspace(workspace)
        .filter(condition, job_id=job_id)
        .order_by("position", "pk")
        .values_list("pk", flat=True)
    )


def _enqueue_chunks(
    *,
    workspace_id: int,
    job_id: int,
    item_ids: Sequence[int],
    chunk_size: int,
    countdown: float | None = None,
) -> None:
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


# --- Acting on a job ----------------------------------------------------------------------------


def _job_locked(workspace: Workspace, job_id: int) -> Job:
    job = Job.objects.for_workspace(workspace).select_for_update().filter(pk=job_id).first()
    if job is None:
        raise ServiceError("This job no longer exists.", code="not_found")
    return job


@transaction.atomic
def job_cancel(*, workspace: Workspace, actor: User | None, job_id: int) -> Job:
    """Stop the job: items not yet started are cancelled; what was done is kept.

    An item already in a handler finishes and is counted.
    """
    job = _job_locked(workspace, job_id)
    if job.status == JobStatus.CANCELLED:
        raise ServiceError("This job has already been cancelled.")
    if job.is_terminal:
        raise ServiceError("This job has already finished; there is nothing left to cancel.")
    now = timezone.now()
    cancelled = _item_ids(
        workspace,
        job.pk,
        Q(status=JobItemStatus.PENDING)
        | Q(status=JobItemStatus.RUNNING, claimed_at__lt=now - _lease()),
    )
    JobItem.objects.for_workspace(workspace).filter(job_id=job.pk, pk__in=cancelled).update(
        status=JobItemStatus.CANCELLED, finished_at=now
    )
    _on_cancelled_after_commit(workspace, job, cancelled)
    job.status = JobStatus.CANCELLED
    job.finished_at = now
    job.save(update_fields=["status", "finished_at"])
    return job


def _on_cancelled_after_commit(workspace: Workspace, job: Job, item_ids: list[int]) -> None:
    kind = job_kind_get(job.kind)
    if item_ids and kind is not None and kind.on_cancelled is not None:
        hook = kind.on_cancelled
        transaction.on_commit(lambda: hook(workspace, job, list(item_ids)))


@transaction.atomic
def job_pause(*, workspace: Workspace, actor: User | None, job_id: int) -> Job:
    """Stop taking new items; items already in a handler finish. Resume carries on."""
    job = _job_locked(workspace, job_id)
    if not job.is_active:
        raise ServiceError(
            "Only a queued or running job can be paused; this one is "
            f"{job.get_status_display().lower()}."
        )
    job.status = JobStatus.PAUSED
    job.save(update_fields=["status"])
    return job


@transaction.atomic
def job_resume(*, workspace: Workspace, actor: User | None, job_id: int) -> Job:
    job = _job_locked(workspace, job_id)
    if job.status != JobStatus.PAUSED:
        raise ServiceError(
            f"Only a paused job can be resumed; this one is {job.get_status_display().lower()}."
        )
    now = timezone.now()
    _job_start_new_run(job, now=now)
    # Items still in a live handler are left to it; stale claims belong to dead workers.
    item_ids = _item_ids(
        workspace,
        job.pk,
        Q(status=JobItemStatus.PENDING)
        | Q(status=JobItemStatus.RUNNING, claimed_at__lt=now - _lease()),
    )
    _job_enqueue_or_finish(workspace, job, item_ids)
    return job


@transaction.atomic
def job_retry_failed(*, workspace: Workspace, actor: User | None, job_id: int) -> int:
    """Put the job's failed items back in the queue, and its stalled ones (held by a worker
    that died: see ``apps.jobs.recovery``). Returns how many there were.

    A paused job keeps its failed items until it is resumed.
    """
    job = _job_locked(workspace, job_id)
    if job.status == JobStatus.CANCELLED:
        raise ServiceError("This job was cancelled; start a new job to do its items again.")
    stalled = job_retry_stalled(workspace=workspace, actor=actor, job_id=job.pk)
    item_ids = _item_ids(workspace, job.pk, Q(status=JobItemStatus.FAILED))
    retried = (
        JobItem.objects.for_workspace(workspace)
        .filter(job_id=job.pk, pk__in=item_ids, status=JobItemStatus.FAILED)
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
    _job_enqueue_or_finish(workspace, job, item_ids)
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


def _job_enqueue_or_finish(workspace: Workspace, job: Job, item_ids: list[int]) -> None:
    if item_ids:
        transaction.on_commit(
            lambda: _enqueue_chunks(
                workspace_id=workspace.pk,
                job_id=job.pk,
                item_ids=item_ids,
                chunk_size=job.chunk_size,
            )
        )
    elif job_finish_if_complete(workspace=workspace, job_id=job.pk):
        job.refresh_from_db()


def job_finish_if_complete(*, workspace: Workspace | int, job_id: int) -> bool:
    """Set the final status once every item is counted. True for the one call that did it."""
    now = timezone.now()
    return bool(
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


# --- Processing items ---------------------------------------------------------------------------


@contextmanager
def _bookkeeping():
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
class _Finished:
    """The outcome of one handler call, waiting to be recorded."""

    item: JobItem
    status: JobItemStatus
    result: dict | None = None
    error: str = ""


def _items_claim(
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
    with _bookkeeping():
        claimed = (
            JobItem.objects.for_workspace(workspace)
            .filter(job_id=job.pk, pk__in=list(item_ids))
            .filter(
                Q(status=JobItemStatus.PENDING)
                | Q(status=JobItemStatus.RUNNING, claimed_at__lt=now - _lease())
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


def _claim_refused(
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
    reasons = {}
    for item_id in item_ids:
        status = rows.get(item_id)
        if status is None or status not in (JobItemStatus.PENDING, JobItemStatus.RUNNING):
            reasons[item_id] = ItemOutcome.ALREADY_FINISHED
        elif job_status not in ACTIVE_JOB_STATUSES:
            reasons[item_id] = ItemOutcome.JOB_INACTIVE
        else:
            reasons[item_id] = ItemOutcome.BUSY
    return reasons


_COUNTERS = {
    JobItemStatus.DONE: ("done", ItemOutcome.DONE),
    JobItemStatus.FAILED: ("failed", ItemOutcome.FAILED),
    JobItemStatus.SKIPPED: ("skipped", ItemOutcome.SKIPPED),
}


def _items_record(
    workspace: Workspace, job: Job, finished: list[_Finished], token: str
) -> tuple[list[ItemOutcome], str | None]:
    """Record outcomes and move the job's counters, in one transaction; returns the outcomes
    and the job's current status.

    Only items still running under ``token`` are recorded (their rows locked, so nobody can
    take them over meanwhile); an item whose claim was taken over is left to its new holder.
    The job row is locked first, as cancel, pause and retry do, so they wait for each other.
    """
    now = timezone.now()
    with _bookkeeping():
        job_status = (
            Job.objects.for_workspace(workspace)
            .select_for_update()
            .filter(pk=job.pk)
            .values_list("status", flat=True)
            .first()
        )
        owned = set(
            JobItem.objects.for_workspace(workspace)
            .select_for_update()
            .filter(pk__in=[f.item.pk for f in finished])
            .filter(status=JobItemStatus.RUNNING, claim_token=token)
            .values_list("pk", flat=True)
        )
        counts: dict[str, int] = {}
        outcomes, recorded = [], []
        for f in finished:
            if f.item.pk not in owned:
                outcomes.append(ItemOutcome.SUPERSEDED)
                continue
            counter, outcome = _COUNTERS[f.status]
            counts[counter] = counts.get(counter, 0) + 1
            outcomes.append(outcome)
            recorded.append(f)
        if recorded:
            _items_write_outcomes(workspace, recorded, now)
            Job.objects.for_workspace(workspace).filter(pk=job.pk).update(
                **{counter: F(counter) + n for counter, n in counts.items()}, progressed_at=now
            )
    return outcomes, job_status


def _items_write_outcomes(workspace: Workspace, recorded: list[_Finished], now) -> None:
    """One parameterised UPDATE per item, sent together (the hot path: ``bulk_update``'s CASE
    expressions cost more than the database work). Rows are locked and owned by the caller."""
    fields = {name: JobItem._meta.get_field(name) for name in ("result", "finished_at")}
    finished_at = fields["finished_at"].get_db_prep_save(now, connection)
    table = connection.ops.quote_name(JobItem._meta.db_table)
    sql = (
        f"UPDATE {table} SET status = %s, result = %s, error = %s, finished_at = %s "
        "WHERE id = %s AND workspace_id = %s"
    )
    rows = []
    for f in recorded:
        f.item.status, f.item.result, f.item.error = f.status, f.result, f.error[:MAX_ERROR_LENGTH]
        f.item.finished_at = now
        result = fields["result"].get_db_prep_save(f.result, connection)
        rows.append((f.status, result, f.item.error, finished_at, f.item.pk, workspace.pk))
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _items_release(workspace: Workspace, job: Job, item_ids: Sequence[int], token: str) -> bool:
    """Give back claimed items that were not run (paused, cancelled, out of time). True when
    the job still takes items (it was resumed meanwhile, or the chunk ran out of time): the
    caller must queue them again."""
    with _bookkeeping():
        # Locked: a cancel at this moment either sees these items back as pending (and cancels
        # them) or has committed first (and they are cancelled here).
        job_status = (
            Job.objects.for_workspace(workspace)
            .select_for_update()
            .filter(pk=job.pk)
            .values_list("status", flat=True)
            .first()
        )
        ours = JobItem.objects.for_workspace(workspace).filter(
            pk__in=list(item_ids), status=JobItemStatus.RUNNING, claim_token=token
        )
        if job_status == JobStatus.CANCELLED:
            _on_cancelled_after_commit(workspace, job, list(ours.values_list("pk", flat=True)))
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


def _unexpected_error_message(error: BaseException) -> str:
    return (
        f"Unexpected error ({type(error).__name__}) while processing this item. The details "
        "are in the worker's log; retry the failed items, and report it if it happens again."
    )


def _item_run(workspace: Workspace, job: Job, item: JobItem) -> _Finished:
    """Run the kind's handler for one claimed item; never raises for the item's own failure."""
    kind = job_kind_get(job.kind)
    if kind is None:
        return _Finished(
            item,
            JobItemStatus.FAILED,
            error=f"No handler is registered for jobs of kind “{job.kind}” on this worker: "
            "the app that provides it is not installed or the worker runs older code.",
        )
    try:
        result = kind.handler(workspace, job, item)
        result = {} if result is None else result
        if not isinstance(result, dict):
            raise ServiceError(
                f"The {kind.label} step returned {type(result).__name__}, not a mapping."
            )
        _check_json(result, f"The result of the {kind.label} step")
    except SoftTimeLimitExceeded:
        raise
    except SkipItem as skip:
        return _Finished(item, JobItemStatus.SKIPPED, result={"skipped": skip.message})
    except ServiceError as error:
        return _Finished(item, JobItemStatus.FAILED, error=error.message)
    except Exception as error:
        logger.exception("Job %s (%s), item %s “%s” failed", job.pk, job.kind, item.pk, item.key)
        return _Finished(item, JobItemStatus.FAILED, error=_unexpected_error_message(error))
    return _Finished(item, JobItemStatus.DONE, result=result)


def job_item_process(
    *, workspace: Workspace, job: Job, item: JobItem, claim_token: str = ""
) -> ItemOutcome:
    """Claim one item, run its kind's handler, record the outcome. Safe to call twice."""
    token = claim_token or uuid.uuid4().hex
    claimed = _items_claim(workspace, job, [item.pk], token)
    if not claimed:
        return _claim_refused(workspace, job, [item.pk])[item.pk]
    try:
        finished = _item_run(workspace, job, claimed[0])
    except SoftTimeLimitExceeded:
        _items_release(workspace, job, [item.pk], token)
        raise
    outcomes, _ = _items_record(workspace, job, [finished], token)
    return outcomes[0]


# The per-process thread pool that runs handlers. Created lazily in each worker process (a
# prefork child must not inherit its parent's threads); shared by the chunks a process runs at
# once, so it caps that process's concurrent handler calls.
_pool: ThreadPoolExecutor | None = None
_pool_key: tuple[int, int] | None = None
_pool_lock = threading.Lock()
_thread_state = threading.local()
CONNECTION_CHECK_SECONDS = 10
# Outcomes are recorded a round of handler calls at a time, at least this often.
RECORD_EVERY_SECONDS = 0.5


def _item_pool() -> ThreadPoolExecutor:
    global _pool, _pool_key
    key = (os.getpid(), settings.JOB_ITEM_CONCURRENCY)
    with _pool_lock:
        if _pool is None or _pool_key != key:
            _pool = ThreadPoolExecutor(
                max_workers=settings.JOB_ITEM_CONCURRENCY, thread_name_prefix="job-item"
            )
            _pool_key = key
        return _pool


def job_item_pool_shutdown() -> None:
    """Stop this process's handler threads, closing their database connections (tests call it
    so the test database can be dropped; a worker process simply exits)."""
    global _pool, _pool_key
    with _pool_lock:
        pool, _pool, _pool_key = _pool, None, None
    if pool is None:
        return
    # One task per thread, held at a barrier so that each thread gets exactly one.
    barrier = threading.Barrier(pool._max_workers)

    def close_connections() -> None:
        connections.close_all()
        barrier.wait(timeout=10)

    for _ in range(pool._max_workers):
        pool.submit(close_connections)
    pool.shutdown(wait=True)


def _pooled_item_run(workspace: Workspace, job: Job, item: JobItem) -> _Finished:
    # Pool threads keep their database connection between items; drop it when it is old or
    # broken, as Django does between requests (not before every item: that costs a query).
    last_check = getattr(_thread_state, "connection_checked_at", 0.0)
    if time.monotonic() - last_check > CONNECTION_CHECK_SECONDS:
        close_old_connections()
        _thread_state.connection_checked_at = time.monotonic()
    try:
        return _item_run(workspace, job, item)
    except BaseException:
        close_old_connections()
        raise


def _run_inline(function, *args) -> Future:
    future: Future = Future()
    future.set_result(function(*args))
    return future


def _process_items(
    workspace: Workspace, job: Job, items: list[JobItem], token: str, outcome: ChunkOutcome
) -> None:
    """Run claimed items, at most JOB_ITEM_CONCURRENCY at once, recording outcomes a round at
    a time. Stops starting items when the job is paused or cancelled; unstarted items are given
    back."""
    # Pool threads use their own connections: they cannot see writes of an open transaction,
    # so inside one (tests, eager tasks called from a service) the items run here, in turn.
    inline = settings.JOB_ITEM_CONCURRENCY <= 1 or len(items) == 1 or connection.in_atomic_block
    concurrency = 1 if inline else settings.JOB_ITEM_CONCURRENCY
    submit = (
        (lambda *a: _run_inline(_item_run, *a))
        if inline
        else (lambda *a: _item_pool().submit(_pooled_item_run, *a))
    )
    queue = deque(items)
    in_flight: dict[Future, JobItem] = {}
    finished: list[_Finished] = []
    stop = False
    last_record = time.monotonic()

    def record() -> None:
        nonlocal finished, last_record, stop
        results, job_status = _items_record(workspace, job, finished, token)
        for result in results:
            outcome.add(result)
        finished = []
        last_record = time.monotonic()
        if not stop and job_status not in ACTIVE_JOB_STATUSES:
            stop = True  # paused or cancelled: start no more items
            outcome.add(ItemOutcome.JOB_INACTIVE)

    def refill() -> None:
        while queue and not stop and len(in_flight) < concurrency:
            future = submit(workspace, job, queue[0])  # inline: runs it now
            in_flight[future] = queue.popleft()

    try:
        refill()
        while in_flight:
            ready, _ = wait(in_flight, timeout=RECORD_EVERY_SECONDS, return_when=FIRST_COMPLETED)
            for future in ready:
                in_flight.pop(future)
                finished.append(future.result())
            if not inline:
                refill()  # keep the threads busy while this thread records
            if finished and (
                len(finished) >= concurrency
                or not in_flight
                or time.monotonic() - last_record >= RECORD_EVERY_SECONDS
            ):
                record()
                refill()
    except SoftTimeLimitExceeded:
        # Out of time: start nothing new; let the calls under way finish, give back the rest.
        done, _ = wait(in_flight, timeout=20)
        for future in done:
            if future.exception() is None:
                finished.append(future.result())
        stop = True
    finally:
        if finished:
            record()
    # With the job row locked: a resume that came first saw these as running (ours) and did
    # not queue them, so they are queued here; a resume that comes later queues them itself.
    if queue and _items_release(workspace, job, [item.pk for item in queue], token):
        outcome.unstarted_item_ids.extend(item.pk for item in queue)


def job_chunk_process(
    *, workspace_id: int, job_id: int, item_ids: Sequence[int], claim_token: str = ""
) -> ChunkOutcome:
    """Process one chunk of a job's items (the body of the chunk task).

    ``claim_token`` is the task's id: delivered again after its worker died, the same task
    takes its claimed items back at once. Not atomic on purpose: outcomes are committed a round
    at a time, so the progress bar moves and a crash loses only the calls not yet recorded,
    which are claimed and run again.
    """
    outcome = ChunkOutcome()
    token = claim_token or uuid.uuid4().hex
    job = (
        Job.objects.for_workspace(workspace_id)
        .select_related("workspace")
        .filter(pk=job_id)
        .first()
    )
    if job is None or not job.is_active:
        return outcome  # deleted, paused (resume queues it again), cancelled or finished
    workspace = job.workspace
    if job.status == JobStatus.QUEUED:
        now = timezone.now()
        with _bookkeeping():
            Job.objects.for_workspace(workspace).filter(pk=job.pk, status=JobStatus.QUEUED).update(
                status=JobStatus.RUNNING,
                started_at=Coalesce(F("started_at"), Value(now, output_field=DateTimeField())),
                run_started_at=now,
                progressed_at=now,
            )
    items = _items_claim(workspace, job, item_ids, token)
    claimed_ids = {item.pk for item in items}
    refused = _claim_refused(workspace, job, [i for i in item_ids if i not in claimed_ids])
    for item_id, reason in refused.items():
        if reason != ItemOutcome.ALREADY_FINISHED:
            outcome.add(reason)
        if reason == ItemOutcome.BUSY:
            outcome.busy_item_ids.append(item_id)
    if items:
        # A heartbeat keeps our claims fresh however long an item takes; if this worker dies,
        # they go stale within JOB_ITEM_LEASE_SECONDS and the sweep queues them again.
        with claims_kept_alive(workspace_id=workspace.pk, job_id=job.pk, token=token):
            _process_items(workspace, job, items, token, outcome)
    if outcome.unstarted_item_ids:
        _enqueue_chunks(
            workspace_id=workspace.pk,
            job_id=job.pk,
            item_ids=outcome.unstarted_item_ids,
            chunk_size=job.chunk_size,
        )
    if outcome.busy_item_ids:
        # Another task holds these: look again once its claim would have expired. If it is
        # alive it will have finished them; if it died they can be claimed then.
        _enqueue_chunks(
            workspace_id=workspace.pk,
            job_id=job.pk,
            item_ids=outcome.busy_item_ids,
            chunk_size=job.chunk_size,
            countdown=settings.JOB_ITEM_LEASE_SECONDS + 1,
        )
    outcome.finished_job = job_finish_if_complete(workspace=workspace, job_id=job.pk)
    return outcome
