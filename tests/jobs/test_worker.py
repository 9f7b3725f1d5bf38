"""Jobs through a real Celery worker process on Redis, against the PostgreSQL test database."""

import time

import pytest

from apps.jobs import handlers, services
from apps.jobs.jobs import BENCH_SLEEP_KIND
from apps.jobs.models import Job, JobItem, JobItemStatus, JobStatus
from apps.jobs.selectors import job_progress
from tests.factories import MembershipFactory


def wait_for(job, condition, *, timeout, worker=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if condition(job):
            return job
        time.sleep(0.05)
    log = worker.log_text()[-3000:] if worker else ""
    pytest.fail(f"job stuck at {job.status} {job.done}+{job.failed}/{job.total}\n{log}")


def create_bench_job(workspace, *, count, latency_ms, chunk_size):
    owner = MembershipFactory(workspace=workspace, role="owner").user
    return services.job_create(
        workspace=workspace,
        created_by=owner,
        kind=BENCH_SLEEP_KIND,
        items=[(f"sku-{n:03d}", {"echo": n}) for n in range(count)],
        params={"latency_ms": latency_ms},
        label=f"{count} items",
        chunk_size=chunk_size,
    )


def assert_every_item_done_exactly_once(job, count):
    job.refresh_from_db()
    assert (job.status, job.total, job.done, job.failed, job.skipped) == (
        JobStatus.SUCCEEDED,
        count,
        count,
        0,
        0,
    )
    items = list(JobItem.objects.for_workspace(job.workspace_id).filter(job=job))
    assert len(items) == count
    assert {i.status for i in items} == {JobItemStatus.DONE}
    # Each item's recorded output is its own, once; the counter matches the rows.
    assert sorted(i.result["echo"] for i in items) == list(range(count))
    assert all(i.result["key"] == i.key and i.error == "" for i in items)
    return items


@pytest.mark.postgres
@pytest.mark.redis
def test_a_job_of_200_items_reaches_100_percent_on_a_real_worker(celery_worker_process, workspace):
    worker = celery_worker_process()
    job = create_bench_job(workspace, count=200, latency_ms=5, chunk_size=20)
    seen = set()

    def finished(job):
        seen.add(job_progress(job=job).percent)
        return job.status in {JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED}

    wait_for(job, finished, timeout=60, worker=worker)
    items = assert_every_item_done_exactly_once(job, 200)
    assert job_progress(job=job).percent == 100
    assert len(seen) > 1  # the bar moved on the way (it was not 0 then 100 only)
    assert all(i.attempts == 1 for i in items)
    assert "job_process_chunk" in worker.log_text()


@pytest.mark.postgres
@pytest.mark.redis
def test_a_worker_killed_mid_job_and_started_again_does_every_item_exactly_once(
    celery_worker_process, workspace, monkeypatch
):
    # Redis hands the dead worker's unacknowledged chunks to a worker after 4 s (production:
    # an hour); the same task then takes back the items it had claimed.
    monkeypatch.setenv("CELERY_VISIBILITY_TIMEOUT", "4")
    monkeypatch.setenv("JOB_ITEM_CONCURRENCY", "4")
    worker = celery_worker_process()  # 2 processes × 4 threads: 8 items at a time
    job = create_bench_job(workspace, count=200, latency_ms=100, chunk_size=8)

    running = JobItem.objects.for_workspace(workspace).filter(job=job, status=JobItemStatus.RUNNING)
    # Kill it a quarter of the way in, while items are in their handler.
    wait_for(job, lambda job: job.done >= 50 and running.exists(), timeout=30, worker=worker)
    worker.kill()
    job.refresh_from_db()
    done_at_kill = job.done
    stranded = set(running.values_list("key", flat=True))
    assert done_at_kill < 200
    assert stranded, "the kill should leave items in the middle of their handler"

    worker = celery_worker_process()
    wait_for(job, lambda job: job.status == JobStatus.SUCCEEDED, timeout=60, worker=worker)
    items = assert_every_item_done_exactly_once(job, 200)
    attempts = {i.key: i.attempts for i in items}
    assert all(attempts[key] == 2 for key in stranded)  # claimed again after the kill
    assert Job.objects.for_workspace(workspace).get(pk=job.pk).done == 200


@pytest.mark.postgres
def test_the_items_of_a_chunk_run_concurrently(transactional_db, workspace, settings):
    """Handlers that wait (on a provider) overlap: 16 waits of 150 ms in one chunk take about
    2 rounds of 8, not 16 in turn. (Eager task: the chunk runs when job_create commits.)"""
    settings.JOB_ITEM_CONCURRENCY = 8
    try:
        started = time.monotonic()
        job = create_bench_job(workspace, count=16, latency_ms=150, chunk_size=16)
        elapsed = time.monotonic() - started
    finally:
        handlers.job_item_pool_shutdown()
    assert_every_item_done_exactly_once(job, 16)
    assert elapsed < 1.2, elapsed  # in turn: 2.4 s
