"""A job stuck after its worker was killed (issue 13, point 6).

The probe: with the worker killed mid-import, a 20k-product import stayed at 78/80 until the
broker's one-hour visibility timeout; pause, resume and retry did not help; ``make run`` ran no
beat. Now a heartbeat keeps a live worker's claims fresh, so a claim that goes stale for
``JOB_ITEM_LEASE_SECONDS`` (two minutes) means a dead worker: the beat sweep (every minute, and
``make run`` runs beat) and *Retry* queue those items again.
"""

import os
import shlex
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone

from apps.jobs import recovery
from apps.jobs.jobs import BENCH_SLEEP_KIND
from apps.jobs.models import Job, JobItem, JobItemStatus, JobStatus
from apps.jobs.selectors import job_stalled_count
from tests.factories import MembershipFactory
from tests.jobs.test_services import item, make_job
from tests.jobs.test_worker import wait_for

ROOT = Path(__file__).resolve().parents[2]


def strand(job, *keys, seconds_ago):
    """Leave items as a killed worker leaves them: running, under a claim nobody refreshes."""
    when = timezone.now() - timedelta(seconds=seconds_ago)
    JobItem.objects.for_workspace(job.workspace_id).filter(job=job, key__in=keys).update(
        status=JobItemStatus.RUNNING, claim_token="dead-worker", claimed_at=when, attempts=1
    )


def test_retry_on_a_stalled_job_runs_what_its_dead_worker_held(
    client, workspace, owner, scripted_kind, settings, django_capture_on_commit_callbacks
):
    job = make_job(workspace, owner, ["a", "b", "c"])
    Job.objects.for_workspace(workspace).filter(pk=job.pk).update(
        status=JobStatus.RUNNING, done=1, progressed_at=timezone.now()
    )
    JobItem.objects.for_workspace(workspace).filter(job=job, key="a").update(
        status=JobItemStatus.DONE
    )
    strand(job, "b", "c", seconds_ago=settings.JOB_ITEM_LEASE_SECONDS + 5)
    client.force_login(owner)
    detail = reverse("job_detail", kwargs={"slug": workspace.slug, "job_id": job.pk})
    page = client.get(detail).content.decode()
    assert "2 items stopped" in page and "Retry 2 stalled" in page

    retry = reverse("job_retry_failed", kwargs={"slug": workspace.slug, "job_id": job.pk})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(retry, follow=True)
    assert "2 item(s) will be tried again." in response.content.decode()
    job.refresh_from_db()
    assert (job.status, job.done, job.failed) == (JobStatus.SUCCEEDED, 3, 0)
    assert sorted(scripted_kind.calls) == ["b", "c"]
    assert item(job, "b").attempts == 2


def test_a_live_claim_is_not_stalled(workspace, owner, scripted_kind, settings):
    job = make_job(workspace, owner, ["a"])
    Job.objects.for_workspace(workspace).filter(pk=job.pk).update(status=JobStatus.RUNNING)
    strand(job, "a", seconds_ago=settings.JOB_ITEM_LEASE_SECONDS - 30)
    job.refresh_from_db()
    assert job_stalled_count(job=job) == 0
    assert recovery.job_recover_stalled() == 0


def test_the_sweep_requeues_stalled_items_while_the_rest_of_the_job_moves(
    workspace, owner, scripted_kind, settings, django_capture_on_commit_callbacks
):
    """78/80: other chunks kept the job moving, so "no progress" never fired; the two items of
    the dead worker are found by their stale claims instead."""
    job = make_job(workspace, owner, ["a", "b", "c"])
    Job.objects.for_workspace(workspace).filter(pk=job.pk).update(
        status=JobStatus.RUNNING, done=2, progressed_at=timezone.now()
    )
    JobItem.objects.for_workspace(workspace).filter(job=job, key__in=["a", "b"]).update(
        status=JobItemStatus.DONE
    )
    strand(job, "c", seconds_ago=settings.JOB_ITEM_LEASE_SECONDS + 5)
    with django_capture_on_commit_callbacks(execute=True):
        assert recovery.job_recover_stalled() == 1
    job.refresh_from_db()
    assert (job.status, job.done) == (JobStatus.SUCCEEDED, 3)
    assert scripted_kind.calls == ["c"]


def test_the_sweep_also_requeues_what_the_dead_worker_had_fetched_but_not_started(
    workspace, owner, scripted_kind, settings, django_capture_on_commit_callbacks
):
    """A killed worker holds prefetched messages too: their items are still pending, and the
    broker keeps the messages for its visibility timeout. The job is moving, so "no progress"
    would not fire for minutes; the dead worker's stale claim is what gives them away."""
    job = make_job(workspace, owner, ["a", "b", "c"])
    Job.objects.for_workspace(workspace).filter(pk=job.pk).update(
        status=JobStatus.RUNNING, done=1, progressed_at=timezone.now()
    )
    JobItem.objects.for_workspace(workspace).filter(job=job, key="a").update(
        status=JobItemStatus.DONE
    )
    strand(job, "b", seconds_ago=settings.JOB_ITEM_LEASE_SECONDS + 5)  # "c" stays pending
    with django_capture_on_commit_callbacks(execute=True):
        assert recovery.job_recover_stalled() == 1
    job.refresh_from_db()
    assert (job.status, job.done) == (JobStatus.SUCCEEDED, 3)
    assert sorted(scripted_kind.calls) == ["b", "c"]


def test_defaults_recover_a_dead_workers_items_within_minutes():
    lease = django_settings.JOB_ITEM_LEASE_SECONDS
    sweep = django_settings.CELERY_BEAT_SCHEDULE["jobs-recover-stalled"]["schedule"]
    assert lease + sweep <= 180  # at most three minutes, not the broker's hour
    assert lease >= django_settings.JOB_ITEM_HEARTBEAT_SECONDS * 3  # two missed beats tolerated


def test_make_run_runs_beat_and_beat_sends_the_stalled_job_sweep(tmp_path):
    """``make run`` starts Procfile.dev with honcho: it has a beat process, and that command
    really sends the sweep (here every second) to the development broker."""
    lines = dict(
        line.split(":", 1) for line in (ROOT / "Procfile.dev").read_text().splitlines() if line
    )
    assert "beat" in lines
    args = shlex.split(lines["beat"])
    assert args[1:4] == ["-A", "config", "beat"]
    schedule = args.index("--schedule")
    args[schedule + 1] = str(tmp_path / "beat-schedule")  # the same command, its file elsewhere
    args[0] = str(Path(sys.executable).with_name("celery"))
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")
    }
    env.update(ATELIER_VAR_DIR=str(tmp_path / "var"), JOB_STALL_SWEEP_SECONDS="1")
    process = subprocess.Popen(
        args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    queue = tmp_path / "var" / "celery" / "queue"
    try:
        deadline = time.monotonic() + 30
        sent = []
        while time.monotonic() < deadline and not sent:
            time.sleep(0.5)
            sent = (
                [f for f in queue.glob("*") if b"job_recover_stalled" in f.read_bytes()]
                if queue.exists()
                else []
            )
            assert process.poll() is None, process.stdout.read().decode()[-2000:]
        assert sent, "beat sent no jobs-recover-stalled within 30 s"
    finally:
        process.terminate()
        process.wait(timeout=30)


# --- With a real worker ----------------------------------------------------------------------


@pytest.fixture
def short_lease(settings, monkeypatch):
    """A 3-second lease and a heartbeat every half second, in the worker and in this process."""
    monkeypatch.setenv("JOB_ITEM_LEASE_SECONDS", "3")
    monkeypatch.setenv("JOB_ITEM_HEARTBEAT_SECONDS", "0.5")
    monkeypatch.setenv("JOB_ITEM_CONCURRENCY", "1")
    settings.JOB_ITEM_LEASE_SECONDS = 3


def bench_job(workspace, *, count, latency_ms):
    owner = MembershipFactory(workspace=workspace, role="owner").user
    return make_job(
        workspace,
        owner,
        [(f"item-{n}", {}) for n in range(count)],
        kind=BENCH_SLEEP_KIND,
        params={"latency_ms": latency_ms},
        chunk_size=1,
    )


@pytest.mark.postgres
@pytest.mark.redis
def test_an_item_longer_than_the_lease_keeps_its_claim_on_a_live_worker(
    celery_worker_process, workspace, short_lease
):
    """Without the heartbeat, the sweep took a live 5-second item for dead after 3 s and a free
    worker process ran it a second time."""
    worker = celery_worker_process(concurrency=4)
    job = bench_job(workspace, count=2, latency_ms=5000)
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        recovery.job_recover_stalled()  # as beat would, far more often
        job.refresh_from_db()
        if job.status == JobStatus.SUCCEEDED:
            break
        time.sleep(0.5)
    assert job.status == JobStatus.SUCCEEDED, worker.log_text()[-3000:]
    attempts = (
        JobItem.objects.for_workspace(workspace).filter(job=job).values_list("attempts", flat=True)
    )
    assert sorted(attempts) == [1, 1]


@pytest.mark.postgres
@pytest.mark.redis
def test_a_killed_worker_does_not_hold_the_job_until_the_visibility_timeout(
    celery_worker_process, workspace, short_lease
):
    """The broker keeps the dead worker's messages for an hour (the default, unchanged here);
    the sweep finds the stranded items by their stale claims and the new worker finishes."""
    worker = celery_worker_process(concurrency=2)
    # Items long enough that the one running when the first is done is still running at the
    # kill, however loaded the machine.
    job = bench_job(workspace, count=6, latency_ms=4000)
    running = JobItem.objects.for_workspace(workspace).filter(job=job, status="running")
    wait_for(job, lambda job: job.done >= 1 and running.exists(), timeout=30, worker=worker)
    worker.kill()
    stranded = set(running.values_list("key", flat=True))
    assert stranded
    worker = celery_worker_process(concurrency=2)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        recovery.job_recover_stalled()  # beat's sweep
        job.refresh_from_db()
        if job.status == JobStatus.SUCCEEDED:
            break
        time.sleep(0.5)
    assert (job.status, job.done) == (JobStatus.SUCCEEDED, 6), worker.log_text()[-3000:]
    for key in stranded:
        assert JobItem.objects.for_workspace(workspace).get(job=job, key=key).attempts == 2
