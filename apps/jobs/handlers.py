"""Running a kind's handler for one claimed item, inline or in this process's thread pool.

Handlers mostly wait on a provider, so a 2-core worker runs ``JOB_ITEM_CONCURRENCY`` of them at
once in a per-process pool. A handler's own failure is caught here and becomes the item's
outcome (:class:`apps.jobs.claims.Finished`); only the chunk's time limit gets through.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import close_old_connections, connections

from apps.core.errors import ServiceError
from apps.jobs.claims import Finished
from apps.jobs.models import Job, JobItem, JobItemStatus
from apps.jobs.payloads import check_json
from apps.jobs.registry import SkipItem, job_kind_get
from apps.workspaces.models import Workspace

logger = logging.getLogger(__name__)


def _unexpected_error_message(error: BaseException) -> str:
    return (
        f"Unexpected error ({type(error).__name__}) while processing this item. The details "
        "are in the worker's log; retry the failed items, and report it if it happens again."
    )


def item_run(workspace: Workspace, job: Job, item: JobItem) -> Finished:
    """Run the kind's handler for one claimed item; never raises for the item's own failure."""
    kind = job_kind_get(job.kind)
    if kind is None:
        return Finished(
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
        check_json(result, f"The result of the {kind.label} step")
    except SoftTimeLimitExceeded:
        raise
    except SkipItem as skip:
        return Finished(item, JobItemStatus.SKIPPED, result={"skipped": skip.message})
    except ServiceError as error:
        return Finished(item, JobItemStatus.FAILED, error=error.message)
    except Exception as error:
        logger.exception("Job %s (%s), item %s “%s” failed", job.pk, job.kind, item.pk, item.key)
        return Finished(item, JobItemStatus.FAILED, error=_unexpected_error_message(error))
    return Finished(item, JobItemStatus.DONE, result=result)


# The per-process thread pool that runs handlers. Created lazily in each worker process (a
# prefork child must not inherit its parent's threads); shared by the chunks a process runs at
# once, so it caps that process's concurrent handler calls.
_pool: ThreadPoolExecutor | None = None
_pool_key: tuple[int, int] | None = None
_pool_lock = threading.Lock()
_thread_state = threading.local()
CONNECTION_CHECK_SECONDS = 10


def item_pool() -> ThreadPoolExecutor:
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


ItemRun = Callable[[Workspace, Job, JobItem], Finished]


def pooled_item_run(run: ItemRun, workspace: Workspace, job: Job, item: JobItem) -> Finished:
    """``run`` (:func:`item_run`, or a step a test put in its place) in a pool thread."""
    # Pool threads keep their database connection between items; drop it when it is old or
    # broken, as Django does between requests (not before every item: that costs a query).
    last_check = getattr(_thread_state, "connection_checked_at", 0.0)
    if time.monotonic() - last_check > CONNECTION_CHECK_SECONDS:
        close_old_connections()
        _thread_state.connection_checked_at = time.monotonic()
    try:
        return run(workspace, job, item)
    except BaseException:
        close_old_connections()
        raise
