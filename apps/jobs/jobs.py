"""Job kinds built into the jobs app.

``jobs.bench_sleep`` is a TEST AND BENCHMARK kind, not a product feature: each item waits a
configurable latency, as a call to a model provider would, then records an echo of its payload.
The job tests and ``bench/`` use it to exercise the whole path (Celery, the database, progress)
without a provider. Payload keys (or job ``params`` for every item):

* ``latency_ms``: how long to wait (0 to 60,000 ms);
* ``echo``: a value copied into the result (default: the item's key);
* ``fail``: a message: the item fails with it (a ``ServiceError``);
* ``crash``: true: the handler raises an unexpected exception;
* ``skip``: a reason: the item is skipped.
"""

import time
from typing import Any

from apps.core.errors import ServiceError
from apps.jobs.models import Job, JobItem
from apps.jobs.registry import SkipItem, register_job_kind
from apps.workspaces.models import Workspace

BENCH_SLEEP_KIND = "jobs.bench_sleep"
MAX_BENCH_LATENCY_MS = 60_000


def bench_sleep(workspace: Workspace, job: Job, item: JobItem) -> dict[str, Any]:
    settings = {**job.params, **item.payload}
    latency_ms = settings.get("latency_ms", 0)
    if not isinstance(latency_ms, int | float) or not 0 <= latency_ms <= MAX_BENCH_LATENCY_MS:
        raise ServiceError(
            f"latency_ms must be a number of milliseconds from 0 to {MAX_BENCH_LATENCY_MS}, "
            f"not {latency_ms!r}."
        )
    if latency_ms:
        time.sleep(latency_ms / 1000)
    if settings.get("fail"):
        raise ServiceError(str(settings["fail"]))
    if settings.get("crash"):
        raise RuntimeError("bench_sleep was asked to crash")
    if settings.get("skip"):
        raise SkipItem(str(settings["skip"]))
    return {"key": item.key, "echo": settings.get("echo", item.key), "latency_ms": latency_ms}


register_job_kind(BENCH_SLEEP_KIND, bench_sleep, label="Benchmark: wait and echo (test kind)")
