"""Writes for jobs: creating them, acting on them, and processing their items.

How an item is processed exactly once (counted once, its result recorded once):

1. **Claim.** One conditional UPDATE moves the item to ``running`` with a fresh claim token,
   only if it is ``pending`` (or ``running`` under a claim older than
   ``JOB_ITEM_LEASE_SECONDS``, whose worker is taken to be dead) and only while the job is
   queued or running. A duplicated or redelivered task finds the item claimed or finished and
   leaves it alone; a paused or cancelled job stops between items.
2. **Work.** The kind's handler runs outside any transaction (it calls services that commit
   on their own, e.g. the model gateway's usage rows).
3. **Record.** One transaction moves the item from ``running`` *under our token* to its outcome
   and adds one to the job's counter with ``F()``. If the claim was taken over meanwhile, the
   update matches nothing and nothing is counted: the new holder records the outcome.
4. **Finish.** A conditional UPDATE sets the job's final status only while it is still queued
   or running and every item is counted, so it happens exactly once.

Items of one chunk are handled by a per-process thread pool (``JOB_ITEM_CONCURRENCY``): handlers
mostly wait on a provider, so a 2-core worker still makes many calls at once.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Iterable, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import close_old_connections, connection, transaction
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
    JobItem.objects.for_workspace(workspace).filter(job_id=job.pk).filter(
        Q(status=JobItemStatus.PENDING)
        | Q(status=JobItemStatus.RUNNING, claimed_at__lt=now - _lease())
    ).update(status=JobItemStatus.CANCELLED, finished_at=now)
    job.status = JobStatus.CANCELLED
    job.finished_at = now
    job.save(update_fields=["status", "finished_at"])
    return job


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
    """Put the job's failed items back in the queue. Returns how many there were.

    A paused job keeps them until it is resumed.
    """
    job = _job_locked(workspace, job_id)
    if job.status == JobStatus.CANCELLED:
        raise ServiceError("This job was cancelled; start a new job to do its items again.")
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
        raise ServiceError("This job has no failed items to retry.")
    Job.objects.for_workspace(workspace).filter(pk=job.pk).update(failed=F("failed") - retried)
    job.refresh_from_db()
    if job.status == JobStatus.PAUSED:
        return retried
    if job.is_terminal:
        _job_start_new_run(job, now=timezone.now())
    _job_enqueue_or_finish(workspace, job, item_ids)
    return retried


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


def _item_claim(workspace: Workspace, job: Job, item: JobItem, token: str) -> bool:
    now = timezone.now()
    job_takes_items = Job.objects.for_workspace(workspace).filter(
        pk=OuterRef("job_id"), status__in=ACTIVE_JOB_STATUSES
    )
    claimed = (
        JobItem.objects.for_workspace(workspace)
        .filter(pk=item.pk, job_id=job.pk)
        .filter(
            Q(status=JobItemStatus.PENDING)
            | Q(status=JobItemStatus.RUNNING, claimed_at__lt=now - _lease())
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
    if claimed:
        item.status = JobItemStatus.RUNNING
        item.claim_token = token
        item.claimed_at = now
        item.attempts += 1
    return bool(claimed)


def _claim_refused(workspace: Workspace, item: JobItem) -> ItemOutcome:
    row = (
        JobItem.objects.for_workspace(workspace)
        .filter(pk=item.pk)
        .values_list("status", "job__status")
        .first()
    )
    if row is None:
        return ItemOutcome.ALREADY_FINISHED  # deleted with its job
    item_status, job_status = row
    if item_status not in (JobItemStatus.PENDING, JobItemStatus.RUNNING):
        return ItemOutcome.ALREADY_FINISHED
    if job_status not in ACTIVE_JOB_STATUSES:
        return ItemOutcome.JOB_INACTIVE
    return ItemOutcome.BUSY


_COUNTERS = {
    JobItemStatus.DONE: ("done", ItemOutcome.DONE),
    JobItemStatus.FAILED: ("failed", ItemOutcome.FAILED),
    JobItemStatus.SKIPPED: ("skipped", ItemOutcome.SKIPPED),
}


def _item_record(
    workspace: Workspace,
    job: Job,
    item: JobItem,
    *,
    status: JobItemStatus,
    result: dict | None = None,
    error: str = "",
) -> ItemOutcome:
    counter, outcome = _COUNTERS[status]
    now = timezone.now()
    with transaction.atomic():
        recorded = (
            JobItem.objects.for_workspace(workspace)
            .filter(pk=item.pk, status=JobItemStatus.RUNNING, claim_token=item.claim_token)
            .update(status=status, result=result, error=error[:MAX_ERROR_LENGTH], finished_at=now)
        )
        if not recorded:
            return ItemOutcome.SUPERSEDED
        Job.objects.for_workspace(workspace).filter(pk=job.pk).update(
            **{counter: F(counter) + 1}, progressed_at=now
        )
    item.status = status
    item.result = result
    item.error = error
    return outcome


def _item_release(workspace: Workspace, item: JobItem) -> None:
    """Give a claimed item back (the chunk ran out of time before its handler finished)."""
    JobItem.objects.for_workspace(workspace).filter(
        pk=item.pk, status=JobItemStatus.RUNNING, claim_token=item.claim_token
    ).update(status=JobItemStatus.PENDING, claim_token="", claimed_at=None)


def _unexpected_error_message(error: BaseException) -> str:
    return (
        f"Unexpected error ({type(error).__name__}) while processing this item. The details "
        "are in the worker's log; retry the failed items, and report it if it happens again."
    )


def job_item_process(*, workspace: Workspace, job: Job, item: JobItem) -> ItemOutcome:
    """Claim ``item``, run its kind's handler, record the outcome. Safe to call twice."""
    if not _item_claim(workspace, job, item, uuid.uuid4().hex):
        return _claim_refused(workspace, item)
    kind = job_kind_get(job.kind)
    if kind is None:
        return _item_record(
            workspace,
            job,
            item,
            status=JobItemStatus.FAILED,
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
        _item_release(workspace, item)
        raise
    except SkipItem as skip:
        return _item_record(
            workspace, job, item, status=JobItemStatus.SKIPPED, result={"skipped": skip.message}
        )
    except ServiceError as error:
        return _item_record(workspace, job, item, status=JobItemStatus.FAILED, error=error.message)
    except Exception as error:
        logger.exception("Job %s (%s), item %s “%s” failed", job.pk, job.kind, item.pk, item.key)
        return _item_record(
            workspace,
            job,
            item,
            status=JobItemStatus.FAILED,
            error=_unexpected_error_message(error),
        )
    return _item_record(workspace, job, item, status=JobItemStatus.DONE, result=result)


# The per-process thread pool that runs handlers. Created lazily in each worker process (a
# prefork child must not inherit its parent's threads).
_pool: ThreadPoolExecutor | None = None
_pool_key: tuple[int, int] | None = None
_pool_lock = threading.Lock()
_thread_state = threading.local()
CONNECTION_CHECK_SECONDS = 10


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


def _pooled_item_process(
    workspace: Workspace, job: Job, item: JobItem, stop: threading.Event
) -> ItemOutcome | None:
    if stop.is_set():
        return None
    # Pool threads keep their database connection between items; drop it when it is old or
    # broken, as Django does between requests (but not before every item: that costs a query).
    last_check = getattr(_thread_state, "connection_checked_at", 0.0)
    if time.monotonic() - last_check > CONNECTION_CHECK_SECONDS:
        close_old_connections()
        _thread_state.connection_checked_at = time.monotonic()
    try:
        return job_item_process(workspace=workspace, job=job, item=item)
    except BaseException:
        close_old_connections()
        raise


def _process_items(
    workspace: Workspace, job: Job, items: list[JobItem], outcome: ChunkOutcome
) -> None:
    """Run the items, several at once when allowed; fills ``outcome``."""
    pending = {item.pk: item for item in items}

    def note(item_id: int, result: ItemOutcome | None) -> None:
        if result is None:
            return
        pending.pop(item_id, None)
        outcome.add(result)
        if result == ItemOutcome.BUSY:
            outcome.busy_item_ids.append(item_id)

    # Pool threads use their own connections: they cannot see writes of an open transaction,
    # so inside one (tests, eager tasks called from a service) the items run here, in turn.
    if settings.JOB_ITEM_CONCURRENCY <= 1 or len(items) == 1 or connection.in_atomic_block:
        try:
            for item in items:
                result = job_item_process(workspace=workspace, job=job, item=item)
                note(item.pk, result)
                if result == ItemOutcome.JOB_INACTIVE:
                    break
        except SoftTimeLimitExceeded:
            pass
    else:
        stop = threading.Event()
        pool = _item_pool()
        futures: dict[Future, int] = {
            pool.submit(_pooled_item_process, workspace, job, item, stop): item.pk for item in items
        }
        error: BaseException | None = None
        try:
            remaining = set(futures)
            while remaining:
                finished, remaining = wait(remaining, return_when=FIRST_EXCEPTION)
                for future in finished:
                    if future.exception() is not None:
                        error = error or future.exception()
                        stop.set()
                        continue
                    result = future.result()
                    note(futures[future], result)
                    if result == ItemOutcome.JOB_INACTIVE:
                        stop.set()
        except SoftTimeLimitExceeded:
            # Out of time: start nothing new, let the items in handlers finish.
            stop.set()
            wait(futures)
            for future, item_id in futures.items():
                if future.exception() is None:
                    note(item_id, future.result())
        if error is not None:
            raise error
    # Left over after a soft time limit: queue them again. A job that stopped taking items
    # (paused, cancelled) keeps them pending; resume queues them.
    if pending and ItemOutcome.JOB_INACTIVE not in outcome.counts:
        outcome.unstarted_item_ids.extend(pending)


def job_chunk_process(*, workspace_id: int, job_id: int, item_ids: Sequence[int]) -> ChunkOutcome:
    """Process one chunk of a job's items (the body of the chunk task).

    Not atomic on purpose: each item commits on its own, so the progress bar moves and a crash
    loses at most the items in flight, which are claimed again later.
    """
    outcome = ChunkOutcome()
    workspace = Workspace.objects.filter(pk=workspace_id).first()
    if workspace is None:
        return outcome
    job = Job.objects.for_workspace(workspace).filter(pk=job_id).first()
    if job is None or not job.is_active:
        return outcome  # deleted, paused (resume re-queues), cancelled or finished
    now = timezone.now()
    Job.objects.for_workspace(workspace).filter(pk=job.pk, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING,
        started_at=Coalesce(F("started_at"), Value(now, output_field=DateTimeField())),
        run_started_at=now,
        progressed_at=now,
    )
    items = list(
        JobItem.objects.for_workspace(workspace)
        .filter(
            job_id=job.pk,
            pk__in=list(item_ids),
            status__in=[JobItemStatus.PENDING, JobItemStatus.RUNNING],
        )
        .defer("result", "error")
        .order_by("position", "pk")
    )
    if items:
        _process_items(workspace, job, items, outcome)
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


def job_recover_stalled(*, now: datetime | None = None) -> int:
    """Site-wide sweep (Celery beat): queue again the items of running jobs that stopped moving.

    A running job that finished no item for longer than the item lease lost its tasks (a
    worker killed by its time limit, a broker restart). Its pending items and the items under
    expired claims are queued again; duplicates are harmless, claims keep them apart.
    Returns the number of jobs picked up.
    """
    now = now or timezone.now()
    cutoff = now - _lease()
    stalled = list(
        Job.objects.all_workspaces()
        .filter(status=JobStatus.RUNNING)
        .filter(Q(progressed_at__lt=cutoff) | Q(progressed_at__isnull=True, created_at__lt=cutoff))
        .values_list("workspace_id", "pk", "chunk_size")
    )
    for workspace_id, job_id, chunk_size in stalled:
        with transaction.atomic():
            touched = (
                Job.objects.for_workspace(workspace_id)
                .filter(pk=job_id, status=JobStatus.RUNNING)
                .update(progressed_at=now)
            )
            if not touched:
                continue
            item_ids = _item_ids(
                workspace_id,
                job_id,
                Q(status=JobItemStatus.PENDING)
                | Q(status=JobItemStatus.RUNNING, claimed_at__lt=cutoff),
            )
            if item_ids:
                logger.warning("Job %s stalled: queueing %s items again", job_id, len(item_ids))
                transaction.on_commit(
                    lambda w=workspace_id, j=job_id, i=item_ids, c=chunk_size: _enqueue_chunks(
                        workspace_id=w, job_id=j, item_ids=i, chunk_size=c
                    )
                )
            else:
                job_finish_if_complete(workspace=workspace_id, job_id=job_id)
    return len(stalled)
