"""The runner: how a chunk task processes its items, each exactly once (its outcome recorded
once, counted once). System work: it takes ids, never an acting person.

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

The four steps are the fields of :class:`ChunkSteps`; :func:`job_chunk_process` takes them as
``steps=``, so a test can put something of its own between two of them (see ``ChunkSteps``).
"""

from __future__ import annotations

import time
import uuid
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import connection
from django.db.models import DateTimeField, F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.jobs.claims import (
    Finished,
    ItemOutcome,
    bookkeeping,
    claim_refused,
    items_claim,
    items_record,
    items_release,
)
from apps.jobs.handlers import ItemRun, item_pool, item_run, pooled_item_run
from apps.jobs.models import ACTIVE_JOB_STATUSES, Job, JobItem, JobStatus
from apps.jobs.queueing import enqueue_chunks, job_finish_if_complete
from apps.jobs.recovery import claims_kept_alive
from apps.workspaces.models import Workspace

# Outcomes are recorded a round of handler calls at a time, at least this often.
RECORD_EVERY_SECONDS = 0.5


@dataclass(frozen=True)
class ChunkSteps:
    """The steps a chunk takes, as plain functions: claim its items, run one, record a round of
    outcomes (returning them and the job's status), give back the items not run.

    The runner calls only these. A test that must land something exactly between two steps
    (a resume racing a chunk that has just seen its job paused) wraps one and passes
    ``steps=dataclasses.replace(DEFAULT_STEPS, record=wrapped)`` to :func:`job_chunk_process`,
    instead of patching this module.
    """

    claim: Callable[[Workspace, Job, Sequence[int], str], list[JobItem]] = items_claim
    run: ItemRun = item_run
    record: Callable[
        [Workspace, Job, list[Finished], str], tuple[list[ItemOutcome], str | None]
    ] = items_record
    release: Callable[[Workspace, Job, Sequence[int], str], bool] = items_release


DEFAULT_STEPS = ChunkSteps()


@dataclass
class ChunkOutcome:
    counts: dict[str, int] = field(default_factory=dict)
    busy_item_ids: list[int] = field(default_factory=list)
    unstarted_item_ids: list[int] = field(default_factory=list)
    finished_job: bool = False

    def add(self, outcome: ItemOutcome) -> None:
        self.counts[outcome.value] = self.counts.get(outcome.value, 0) + 1


def job_item_process(
    *,
    workspace: Workspace,
    job: Job,
    item: JobItem,
    claim_token: str = "",
    steps: ChunkSteps = DEFAULT_STEPS,
) -> ItemOutcome:
    """Claim one item, run its kind's handler, record the outcome. Safe to call twice."""
    token = claim_token or uuid.uuid4().hex
    claimed = steps.claim(workspace, job, [item.pk], token)
    if not claimed:
        return claim_refused(workspace, job, [item.pk])[item.pk]
    try:
        finished = steps.run(workspace, job, claimed[0])
    except SoftTimeLimitExceeded:
        steps.release(workspace, job, [item.pk], token)
        raise
    outcomes, _ = steps.record(workspace, job, [finished], token)
    return outcomes[0]


def _run_inline(run: ItemRun, workspace: Workspace, job: Job, item: JobItem) -> Future[Finished]:
    future: Future[Finished] = Future()
    future.set_result(run(workspace, job, item))
    return future


def _process_items(
    workspace: Workspace,
    job: Job,
    items: list[JobItem],
    token: str,
    outcome: ChunkOutcome,
    steps: ChunkSteps,
) -> None:
    """Run claimed items, at most JOB_ITEM_CONCURRENCY at once, recording outcomes a round at
    a time. Stops starting items when the job is paused or cancelled; unstarted items are given
    back."""
    # Pool threads use their own connections: they cannot see writes of an open transaction,
    # so inside one (tests, eager tasks called from a service) the items run here, in turn.
    inline = settings.JOB_ITEM_CONCURRENCY <= 1 or len(items) == 1 or connection.in_atomic_block
    concurrency = 1 if inline else settings.JOB_ITEM_CONCURRENCY

    def submit(item: JobItem) -> Future[Finished]:
        if inline:
            return _run_inline(steps.run, workspace, job, item)  # runs it now
        return item_pool().submit(pooled_item_run, steps.run, workspace, job, item)

    queue = deque(items)
    in_flight: dict[Future[Finished], JobItem] = {}
    finished: list[Finished] = []
    stop = False
    last_record = time.monotonic()

    def record() -> None:
        nonlocal finished, last_record, stop
        results, job_status = steps.record(workspace, job, finished, token)
        for result in results:
            outcome.add(result)
        finished = []
        last_record = time.monotonic()
        if not stop and job_status not in ACTIVE_JOB_STATUSES:
            stop = True  # paused or cancelled: start no more items
            outcome.add(ItemOutcome.JOB_INACTIVE)

    def refill() -> None:
        while queue and not stop and len(in_flight) < concurrency:
            future = submit(queue[0])
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
    if queue and steps.release(workspace, job, [item.pk for item in queue], token):
        outcome.unstarted_item_ids.extend(item.pk for item in queue)


def _job_mark_running(workspace: Workspace, job: Job) -> None:
    now = timezone.now()
    with bookkeeping():
        Job.objects.for_workspace(workspace).filter(pk=job.pk, status=JobStatus.QUEUED).update(
            status=JobStatus.RUNNING,
            started_at=Coalesce(F("started_at"), Value(now, output_field=DateTimeField())),
            run_started_at=now,
            progressed_at=now,
        )


def job_chunk_process(
    *,
    workspace_id: int,
    job_id: int,
    item_ids: Sequence[int],
    claim_token: str = "",
    steps: ChunkSteps = DEFAULT_STEPS,
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
        _job_mark_running(workspace, job)
    items = steps.claim(workspace, job, item_ids, token)
    claimed_ids = {item.pk for item in items}
    refused = claim_refused(workspace, job, [i for i in item_ids if i not in claimed_ids])
    for item_id, reason in refused.items():
        if reason != ItemOutcome.ALREADY_FINISHED:
            outcome.add(reason)
        if reason == ItemOutcome.BUSY:
            outcome.busy_item_ids.append(item_id)
    if items:
        # A heartbeat keeps our claims fresh however long an item takes; if this worker dies,
        # they go stale within JOB_ITEM_LEASE_SECONDS and the sweep queues them again.
        with claims_kept_alive(workspace_id=workspace.pk, job_id=job.pk, token=token):
            _process_items(workspace, job, items, token, outcome, steps)
    if outcome.unstarted_item_ids:
        enqueue_chunks(
            workspace_id=workspace.pk,
            job_id=job.pk,
            item_ids=outcome.unstarted_item_ids,
            chunk_size=job.chunk_size,
        )
    if outcome.busy_item_ids:
        # Another task holds these: look again once its claim would have expired. If it is
        # alive it will have finished them; if it died they can be claimed then.
        enqueue_chunks(
            workspace_id=workspace.pk,
            job_id=job.pk,
            item_ids=outcome.busy_item_ids,
            chunk_size=job.chunk_size,
            countdown=settings.JOB_ITEM_LEASE_SECONDS + 1,
        )
    outcome.finished_job = job_finish_if_complete(workspace=workspace, job_id=job.pk)
    return outcome
