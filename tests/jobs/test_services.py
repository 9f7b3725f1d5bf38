from dataclasses import replace
from datetime import timedelta

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.utils import timezone

from apps.core.errors import ServiceError
from apps.jobs import queueing, recovery, runner, services
from apps.jobs.claims import ItemOutcome
from apps.jobs.jobs import BENCH_SLEEP_KIND
from apps.jobs.models import Job, JobItem, JobItemStatus, JobStatus
from apps.jobs.registry import register_job_kind, unregister_job_kind
from apps.jobs.selectors import JobActions, job_actions, job_progress
from apps.workspaces.actors import NotAllowed
from tests.factories import actor_for
from tests.jobs.conftest import TEST_KIND


def make_job(workspace, owner, keys_or_items, *, kind=TEST_KIND, chunk_size=10, params=None):
    items = [(k, {}) if isinstance(k, str) else k for k in keys_or_items]
    return services.job_create(
        workspace=workspace,
        created_by=owner,
        kind=kind,
        items=items,
        params=params,
        label="Spring catalogue",
        chunk_size=chunk_size,
    )


def items_of(job):
    return list(JobItem.objects.for_workspace(job.workspace_id).filter(job=job))


def item(job, key):
    return JobItem.objects.for_workspace(job.workspace_id).get(job=job, key=key)


def run(job, keys=None, steps=runner.DEFAULT_STEPS):
    """Run one chunk task's body over the job's items (all of them, or those named)."""
    ids = [i.pk for i in items_of(job) if keys is None or i.key in keys]
    return runner.job_chunk_process(
        workspace_id=job.workspace_id, job_id=job.pk, item_ids=ids, steps=steps
    )


# --- Creating ----------------------------------------------------------------------------------


def test_create_stores_the_items_and_queues_chunks_on_commit(
    workspace, owner, scripted_kind, sent_chunks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = make_job(workspace, owner, ["a", "b", "c", "d", "e"], chunk_size=2)
        assert sent_chunks == []  # nothing leaves before the commit
    assert (job.kind, job.status, job.total, job.done, job.failed) == (
        TEST_KIND,
        JobStatus.QUEUED,
        5,
        0,
        0,
    )
    assert job.created_by == owner
    assert [(i.key, i.position, i.status) for i in items_of(job)] == [
        ("a", 1, "pending"),
        ("b", 2, "pending"),
        ("c", 3, "pending"),
        ("d", 4, "pending"),
        ("e", 5, "pending"),
    ]
    ids = [i.pk for i in items_of(job)]
    assert sent_chunks == [
        ({"workspace_id": workspace.pk, "job_id": job.pk, "item_ids": ids[0:2]}, None),
        ({"workspace_id": workspace.pk, "job_id": job.pk, "item_ids": ids[2:4]}, None),
        ({"workspace_id": workspace.pk, "job_id": job.pk, "item_ids": ids[4:5]}, None),
    ]
    assert scripted_kind.calls == []


def test_a_job_runs_to_the_end_through_eager_tasks(
    workspace, owner, scripted_kind, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = make_job(workspace, owner, [f"sku-{n}" for n in range(7)], chunk_size=3)
    job.refresh_from_db()
    assert (job.status, job.done, job.failed, job.skipped) == (JobStatus.SUCCEEDED, 7, 0, 0)
    assert job.started_at and job.finished_at and job.finished_at >= job.started_at
    assert sorted(scripted_kind.calls) == sorted(f"sku-{n}" for n in range(7))
    first = item(job, "sku-0")
    assert (first.status, first.attempts, first.error) == (JobItemStatus.DONE, 1, "")
    assert first.result == {"output": "copy for sku-0"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "copy.nonexistent"}, "“copy.nonexistent” is not a known kind of job."),
        ({"items": []}, "A job needs at least one item."),
        (
            {"items": [("a", {}), ("b", {}), ("a", {})]},
            "Item 3: the key “a” is already used by item 1; each item of a job needs its own key.",
        ),
        ({"items": [("a", {}), ("  ", {})]}, "Item 2: the key is empty."),
        ({"items": [("a", ["x"])]}, "Item 1 (“a”): the payload must be a mapping."),
        ({"items": [("a",)]}, "Item 1: give a (key, payload) pair."),
        ({"params": {"when": timezone}}, "The job's parameters cannot be stored"),
        ({"chunk_size": 0}, "The chunk size must be a whole number of at least 1."),
    ],
)
def test_create_refuses_bad_input_and_saves_nothing(
    workspace, owner, scripted_kind, sent_chunks, kwargs, message
):
    arguments = {"kind": TEST_KIND, "items": [("a", {})], **kwargs}
    with pytest.raises(ServiceError) as refused:
        services.job_create(workspace=workspace, created_by=owner, **arguments)
    assert refused.value.message.startswith(message)
    assert Job.objects.for_workspace(workspace).count() == 0
    assert JobItem.objects.for_workspace(workspace).count() == 0
    assert sent_chunks == []


# --- Claims: each item once --------------------------------------------------------------------


def test_processing_the_same_item_twice_runs_and_counts_it_once(workspace, owner, scripted_kind):
    job = make_job(workspace, owner, ["a", "b"])
    first = item(job, "a")
    assert runner.job_item_process(workspace=workspace, job=job, item=first) == "done"
    again = item(job, "a")
    assert (
        runner.job_item_process(workspace=workspace, job=job, item=again)
        == ItemOutcome.ALREADY_FINISHED
    )
    job.refresh_from_db()
    assert scripted_kind.calls == ["a"]
    assert (job.done, job.failed) == (1, 0)
    assert item(job, "a").attempts == 1


def test_a_duplicated_chunk_task_changes_nothing(workspace, owner, scripted_kind, sent_chunks):
    job = make_job(workspace, owner, ["a", "b", "c"])
    run(job)
    job.refresh_from_db()
    finished_at = job.finished_at
    assert (job.status, job.done) == (JobStatus.SUCCEEDED, 3)

    outcome = run(job)  # the same task delivered again
    job.refresh_from_db()
    assert outcome.counts == {}
    assert scripted_kind.calls == ["a", "b", "c"]
    assert (job.status, job.done, job.finished_at) == (JobStatus.SUCCEEDED, 3, finished_at)
    assert sent_chunks == []


def test_an_item_held_by_a_live_task_is_left_to_it_and_looked_at_again_later(
    workspace, owner, scripted_kind, sent_chunks, settings
):
    job = make_job(workspace, owner, ["a", "b"])
    held = item(job, "a")
    JobItem.objects.for_workspace(workspace).filter(pk=held.pk).update(
        status=JobItemStatus.RUNNING, claim_token="other", claimed_at=timezone.now(), attempts=1
    )
    outcome = run(job)
    assert outcome.counts == {"busy": 1, "done": 1}
    assert scripted_kind.calls == ["b"]
    assert sent_chunks == [
        (
            {"workspace_id": workspace.pk, "job_id": job.pk, "item_ids": [held.pk]},
            settings.JOB_ITEM_LEASE_SECONDS + 1,
        )
    ]
    job.refresh_from_db()
    assert (job.status, job.done) == (JobStatus.RUNNING, 1)


def test_an_item_under_an_expired_claim_is_claimed_again(workspace, owner, scripted_kind, settings):
    job = make_job(workspace, owner, ["a"])
    stale = timezone.now() - timedelta(seconds=settings.JOB_ITEM_LEASE_SECONDS + 5)
    JobItem.objects.for_workspace(workspace).filter(job=job).update(
        status=JobItemStatus.RUNNING, claim_token="dead-worker", claimed_at=stale, attempts=1
    )
    assert run(job).counts == {"done": 1}
    done = item(job, "a")
    assert (done.status, done.attempts) == (JobItemStatus.DONE, 2)
    assert done.claim_token != "dead-worker"
    job.refresh_from_db()
    assert (job.status, job.done) == (JobStatus.SUCCEEDED, 1)


def test_a_worker_whose_claim_was_taken_over_records_nothing(
    workspace, owner, scripted_kind, settings
):
    """Worker A is slow; its claim expires and worker B does the item. A's late result is
    dropped: the item is counted once, with B's result."""
    job = make_job(workspace, owner, ["a"])
    expired = timezone.now() - timedelta(seconds=settings.JOB_ITEM_LEASE_SECONDS + 5)

    def slow_worker_a(ws, job, it):
        del scripted_kind.overrides["a"]  # worker B runs the normal handler
        JobItem.objects.for_workspace(ws).filter(pk=it.pk).update(claimed_at=expired)
        assert runner.job_item_process(workspace=ws, job=job, item=item(job, "a")) == "done"
        return {"output": "late result from A"}

    scripted_kind.overrides["a"] = slow_worker_a
    assert (
        runner.job_item_process(workspace=workspace, job=job, item=item(job, "a"))
        == ItemOutcome.SUPERSEDED
    )
    job.refresh_from_db()
    done = item(job, "a")
    assert (job.done, job.failed) == (1, 0)
    assert (done.status, done.attempts, done.result) == ("done", 2, {"output": "copy for a"})


# --- Failures ----------------------------------------------------------------------------------


def test_failures_are_recorded_per_item_and_the_job_finishes_the_rest(
    workspace, owner, scripted_kind, caplog
):
    job = make_job(
        workspace,
        owner,
        [
            ("ok-1", {}),
            ("no-price", {"fail": "Product “no-price” has no title: add one and retry."}),
            ("boom", {"crash": True}),
            ("dup", {"skip": "It already has approved copy."}),
            ("ok-2", {}),
        ],
    )
    assert run(job).counts == {"done": 2, "failed": 2, "skipped": 1}
    job.refresh_from_db()
    assert (job.status, job.done, job.failed, job.skipped) == (
        JobStatus.FINISHED_WITH_ERRORS,
        2,
        2,
        1,
    )
    assert item(job, "no-price").error == "Product “no-price” has no title: add one and retry."
    crash = item(job, "boom")
    assert crash.error == (
        "Unexpected error (KeyError) while processing this item. The details are in the "
        "worker's log; retry the failed items, and report it if it happens again."
    )
    assert "Traceback" not in crash.error and "price_cents" not in crash.error
    assert "price_cents" in caplog.text  # the details went to the log
    skipped = item(job, "dup")
    assert (skipped.status, skipped.result) == (
        "skipped",
        {"skipped": "It already has approved copy."},
    )
    assert item(job, "ok-2").status == "done"


def test_a_job_whose_every_item_fails_is_failed(workspace, owner, scripted_kind):
    job = make_job(workspace, owner, [("a", {"fail": "No."}), ("b", {"fail": "No."})])
    run(job)
    job.refresh_from_db()
    assert (job.status, job.done, job.failed) == (JobStatus.FAILED, 0, 2)


def test_a_kind_unknown_to_the_worker_fails_its_items_clearly(workspace, owner):
    register_job_kind("tests.removed", lambda ws, job, it: {})
    job = make_job(workspace, owner, ["a"], kind="tests.removed")
    unregister_job_kind("tests.removed")
    run(job)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert item(job, "a").error.startswith(
        "No handler is registered for jobs of kind “tests.removed” on this worker"
    )


def test_a_result_that_is_not_a_mapping_fails_the_item(workspace, owner, scripted_kind):
    job = make_job(workspace, owner, ["a"])
    scripted_kind.overrides["a"] = lambda ws, job, it: ["not", "a", "dict"]
    run(job)
    assert item(job, "a").error == "The Scripted test step step returned list, not a mapping."


def test_the_final_status_is_set_exactly_once(workspace, owner, scripted_kind):
    job = make_job(workspace, owner, ["a"])
    assert queueing.job_finish_if_complete(workspace=workspace, job_id=job.pk) is False
    runner.job_item_process(workspace=workspace, job=job, item=item(job, "a"))
    assert queueing.job_finish_if_complete(workspace=workspace, job_id=job.pk) is True
    assert queueing.job_finish_if_complete(workspace=workspace, job_id=job.pk) is False


def test_a_chunk_out_of_time_gives_back_its_item_and_queues_the_rest(
    workspace, owner, scripted_kind, sent_chunks
):
    job = make_job(workspace, owner, ["a", "b", "c"])

    def out_of_time(ws, job, it):
        raise SoftTimeLimitExceeded()

    scripted_kind.overrides["b"] = out_of_time
    outcome = run(job)
    assert outcome.counts == {"done": 1}
    released = item(job, "b")
    assert (released.status, released.claim_token, released.claimed_at) == ("pending", "", None)
    assert sent_chunks == [
        (
            {
                "workspace_id": workspace.pk,
                "job_id": job.pk,
                "item_ids": [released.pk, item(job, "c").pk],
            },
            None,
        )
    ]


# --- Cancel, pause, resume, retry -------------------------------------------------------------


def test_cancel_keeps_what_was_done_and_stops_the_rest(workspace, owner, scripted_kind):
    job = make_job(workspace, owner, ["a", "b", "c", "d"])
    run(job, keys={"a"})
    job = services.job_cancel(actor=actor_for(workspace, owner), job_id=job.pk)
    assert job.status == JobStatus.CANCELLED and job.finished_at
    assert [(i.key, i.status) for i in items_of(job)] == [
        ("a", "done"),
        ("b", "cancelled"),
        ("c", "cancelled"),
        ("d", "cancelled"),
    ]
    assert run(job).counts == {}  # a chunk still in the queue does nothing
    job.refresh_from_db()
    assert (job.status, job.done, job.failed) == (JobStatus.CANCELLED, 1, 0)
    assert scripted_kind.calls == ["a"]
    with pytest.raises(ServiceError, match="already been cancelled"):
        services.job_cancel(actor=actor_for(workspace, owner), job_id=job.pk)
    with pytest.raises(ServiceError, match="Only a queued or running job can be paused"):
        services.job_pause(actor=actor_for(workspace, owner), job_id=job.pk)
    with pytest.raises(ServiceError, match="was cancelled"):
        services.job_retry_failed(actor=actor_for(workspace, owner), job_id=job.pk)


def test_a_finished_job_cannot_be_cancelled(workspace, owner, scripted_kind):
    job = make_job(workspace, owner, ["a"])
    run(job)
    with pytest.raises(ServiceError, match="already finished"):
        services.job_cancel(actor=actor_for(workspace, owner), job_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED


def test_pause_stops_between_items_and_resume_carries_on(
    workspace, owner, scripted_kind, sent_chunks, django_capture_on_commit_callbacks
):
    job = make_job(workspace, owner, ["a", "b", "c", "d"])

    def pause_after_this_one(ws, job, it):
        services.job_pause(actor=actor_for(ws, owner), job_id=job.pk)
        return {"output": "paused after a"}

    scripted_kind.overrides["a"] = pause_after_this_one
    outcome = run(job)
    assert outcome.counts == {"done": 1, "job_inactive": 1}
    assert scripted_kind.calls == ["a"]
    assert sent_chunks == []  # paused items wait for resume, nothing is queued
    job.refresh_from_db()
    assert (job.status, job.done) == (JobStatus.PAUSED, 1)
    assert [i.status for i in items_of(job)] == ["done", "pending", "pending", "pending"]
    assert run(job).counts == {}  # queued chunks of a paused job do nothing

    sent_chunks.clear()
    with django_capture_on_commit_callbacks(execute=True):
        resumed = services.job_resume(actor=actor_for(workspace, owner), job_id=job.pk)
    assert (resumed.status, resumed.run_processed_base) == (JobStatus.QUEUED, 1)
    pending_ids = [i.pk for i in items_of(job) if i.status == "pending"]
    assert sent_chunks == [
        ({"workspace_id": workspace.pk, "job_id": job.pk, "item_ids": pending_ids}, None)
    ]
    run(job)
    job.refresh_from_db()
    assert (job.status, job.done) == (JobStatus.SUCCEEDED, 4)
    assert scripted_kind.calls == ["a", "b", "c", "d"]
    with pytest.raises(ServiceError, match="Only a paused job can be resumed"):
        services.job_resume(actor=actor_for(workspace, owner), job_id=job.pk)


def test_a_resume_racing_a_stopping_chunk_loses_no_item(
    workspace, owner, scripted_kind, sent_chunks, django_capture_on_commit_callbacks
):
    """The chunk sees the job paused and stops; a resume lands before it gives back its
    unstarted items. The resume cannot queue them (they are still claimed), so the chunk does.
    (The resume is put between the two steps through the runner's ``steps``.)"""
    job = make_job(workspace, owner, ["a", "b", "c"])

    def pause(ws, job, it):
        services.job_pause(actor=actor_for(ws, owner), job_id=job.pk)
        return {}

    scripted_kind.overrides["a"] = pause

    def record_then_resume(*args):
        outcome = runner.DEFAULT_STEPS.record(*args)
        with django_capture_on_commit_callbacks(execute=True):
            services.job_resume(actor=actor_for(workspace, owner), job_id=job.pk)
        return outcome

    run(job, steps=replace(runner.DEFAULT_STEPS, record=record_then_resume))
    assert [kwargs["item_ids"] for kwargs, _ in sent_chunks] == [
        [item(job, "b").pk, item(job, "c").pk]
    ]
    assert [(i.key, i.status) for i in items_of(job)] == [
        ("a", "done"),
        ("b", "pending"),
        ("c", "pending"),
    ]


def test_retry_failed_runs_only_the_failed_items_again(
    workspace, owner, scripted_kind, django_capture_on_commit_callbacks
):
    job = make_job(
        workspace, owner, [("a", {}), ("b", {"fail": "Rate limited"}), ("c", {"fail": "Down"})]
    )
    run(job)
    job.refresh_from_db()
    assert (job.status, job.done, job.failed) == (JobStatus.FINISHED_WITH_ERRORS, 1, 2)

    scripted_kind.healed = True
    with django_capture_on_commit_callbacks(execute=True):
        retried = services.job_retry_failed(actor=actor_for(workspace, owner), job_id=job.pk)
    assert retried == 2
    job.refresh_from_db()
    assert (job.status, job.done, job.failed) == (JobStatus.SUCCEEDED, 3, 0)
    assert scripted_kind.calls == ["a", "b", "c", "b", "c"]
    assert [(i.key, i.status, i.attempts, i.error) for i in items_of(job)] == [
        ("a", "done", 1, ""),
        ("b", "done", 2, ""),
        ("c", "done", 2, ""),
    ]
    with pytest.raises(ServiceError, match="no failed or stalled items"):
        services.job_retry_failed(actor=actor_for(workspace, owner), job_id=job.pk)


def test_another_workspace_cannot_act_on_a_job(workspace, other_workspace, owner, scripted_kind):
    job = make_job(workspace, owner, ["a"])
    for service in (services.job_cancel, services.job_pause, services.job_retry_failed):
        with pytest.raises(ServiceError, match="no longer exists"):
            service(actor=actor_for(other_workspace, role="owner"), job_id=job.pk)
    assert (
        runner.job_chunk_process(
            workspace_id=other_workspace.pk, job_id=job.pk, item_ids=[i.pk for i in items_of(job)]
        ).counts
        == {}
    )
    job.refresh_from_db()
    assert (job.status, job.done) == (JobStatus.QUEUED, 0)
    assert scripted_kind.calls == []


# --- Who may act on a job -----------------------------------------------------------------------

ACTIONS = {
    "cancel": services.job_cancel,
    "pause": services.job_pause,
    "resume": services.job_resume,
    "retry_failed": services.job_retry_failed,
}


@pytest.mark.parametrize("action", list(ACTIONS))
def test_a_member_who_neither_started_the_job_nor_is_an_admin_is_refused(
    workspace, owner, scripted_kind, sent_chunks, action
):
    """The services refuse by themselves, whoever calls them (a view, a task, a shell)."""
    job = make_job(workspace, owner, [("a", {"fail": "No."}), ("b", {})])
    run(job, keys=["a"])
    job.refresh_from_db()
    before = (job.status, job.done, job.failed)
    copywriter = actor_for(workspace, role="copywriter")
    with pytest.raises(NotAllowed, match="Only the person who started this job"):
        ACTIONS[action](actor=copywriter, job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.done, job.failed) == before
    assert sent_chunks == []


def test_the_creator_and_an_admin_may_act_and_the_buttons_follow_the_same_rule(
    workspace, scripted_kind, sent_chunks
):
    creator = actor_for(workspace, role="copywriter")
    job = make_job(workspace, creator.user, ["a", "b"])
    reviewer, admin = actor_for(workspace, role="reviewer"), actor_for(workspace, role="admin")
    assert not job_actions(actor=reviewer, job=job, stalled=0).allowed
    assert job_actions(actor=creator, job=job, stalled=0) == JobActions(
        allowed=True, pause=True, resume=False, retry=False, cancel=True
    )
    services.job_pause(actor=creator, job_id=job.pk)
    assert job_actions(
        actor=admin, job=Job.objects.for_workspace(workspace).get(pk=job.pk), stalled=0
    ).resume
    assert services.job_cancel(actor=admin, job_id=job.pk).status == JobStatus.CANCELLED


def test_a_cancel_racing_a_chunk_cancels_the_items_it_claimed_but_did_not_start(
    workspace, owner, scripted_kind, sent_chunks, django_capture_on_commit_callbacks
):
    """A cancel lands right after the chunk recorded its first item (put there through the
    runner's ``steps``): the chunk gives back what it had not started, as cancelled."""
    job = make_job(workspace, owner, ["a", "b", "c"])
    recorded = []

    def record_then_cancel(*args):
        outcome = runner.DEFAULT_STEPS.record(*args)
        if not recorded:
            with django_capture_on_commit_callbacks(execute=True):
                services.job_cancel(actor=actor_for(workspace, owner), job_id=job.pk)
        recorded.append(outcome)
        return outcome

    outcome = run(job, steps=replace(runner.DEFAULT_STEPS, record=record_then_cancel))
    job.refresh_from_db()
    statuses = {i.key: i.status for i in items_of(job)}
    # "b" was started before the chunk read the cancel in its next round; "c" never was.
    assert statuses == {"a": "done", "b": "done", "c": "cancelled"}
    assert (job.status, job.done) == (JobStatus.CANCELLED, 2)
    assert outcome.counts == {"done": 2, "job_inactive": 1}
    assert outcome.unstarted_item_ids == [] and sent_chunks == []


# --- Recovery ----------------------------------------------------------------------------------


def test_a_running_job_that_stopped_moving_is_queued_again(
    workspace, owner, scripted_kind, settings, django_capture_on_commit_callbacks
):
    job = make_job(workspace, owner, ["a", "b", "c"])
    long_ago = timezone.now() - timedelta(seconds=settings.JOB_LOST_MESSAGES_SECONDS + 60)
    Job.objects.for_workspace(workspace).filter(pk=job.pk).update(
        status=JobStatus.RUNNING, progressed_at=long_ago, started_at=long_ago
    )
    JobItem.objects.for_workspace(workspace).filter(job=job, key="a").update(
        status=JobItemStatus.RUNNING, claim_token="dead", claimed_at=long_ago, attempts=1
    )
    fresh = make_job(workspace, owner, ["x"])  # queued, not stalled: left alone
    with django_capture_on_commit_callbacks(execute=True):
        assert recovery.job_recover_stalled() == 1
    job.refresh_from_db()
    assert (job.status, job.done) == (JobStatus.SUCCEEDED, 3)
    assert sorted(scripted_kind.calls) == ["a", "b", "c"]
    fresh.refresh_from_db()
    assert fresh.status == JobStatus.QUEUED


def test_a_queued_job_whose_messages_were_lost_is_queued_again(
    workspace, owner, scripted_kind, settings, django_capture_on_commit_callbacks
):
    job = make_job(workspace, owner, ["a", "b"])  # its tasks never ran (the broker was flushed)
    long_ago = timezone.now() - timedelta(seconds=settings.JOB_LOST_MESSAGES_SECONDS + 60)
    Job.objects.for_workspace(workspace).filter(pk=job.pk).update(created_at=long_ago)
    with django_capture_on_commit_callbacks(execute=True):
        assert recovery.job_recover_stalled() == 1
    job.refresh_from_db()
    assert (job.status, job.done) == (JobStatus.SUCCEEDED, 2)
    assert sorted(scripted_kind.calls) == ["a", "b"]


# --- The built-in test kind and progress -------------------------------------------------------


def test_the_bench_kind_waits_and_echoes(workspace, owner):
    job = make_job(
        workspace,
        owner,
        [("a", {"echo": "hello"}), ("b", {"fail": "Asked to fail"})],
        kind=BENCH_SLEEP_KIND,
        params={"latency_ms": 5},
    )
    run(job)
    assert item(job, "a").result == {"key": "a", "echo": "hello", "latency_ms": 5}
    assert item(job, "b").error == "Asked to fail"


def test_progress_estimates_time_left_from_this_runs_rate(workspace, owner, scripted_kind):
    job = make_job(workspace, owner, [str(n) for n in range(100)])
    now = timezone.now()
    job.status = JobStatus.RUNNING
    job.run_started_at = now - timedelta(seconds=30)
    job.run_processed_base = 10  # processed before a pause
    job.done, job.failed = 35, 5  # 30 in this run, in 30 s: 60 left take about a minute
    progress = job_progress(job=job, now=now)
    assert (progress.processed, progress.percent, progress.seconds_left) == (40, 40, 60)
    assert progress.time_left == "about 1 min left"
    job.status = JobStatus.PAUSED
    assert job_progress(job=job, now=now).seconds_left is None


# --- Telling listeners ----------------------------------------------------------------------------


def test_a_finished_job_is_told_once_and_a_failed_one_as_failed(
    workspace, owner, scripted_kind, heard_events, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        done = make_job(workspace, owner, [("a", {}), ("b", {"fail": "No title"})])
        failed = make_job(workspace, owner, [("c", {"fail": "No title"})])
    with django_capture_on_commit_callbacks(execute=True):
        run(done)
        run(done)  # a duplicated task finishes nothing twice
        run(failed)
    told = [(e.name, e.key, e.payload["status"], e.payload["failed"]) for e in heard_events]
    assert told == [
        ("job.finished", f"job.finished:job-{done.pk}", "finished_with_errors", 1),
        ("job.failed", f"job.failed:job-{failed.pk}", "failed", 1),
    ]
    assert heard_events[0].payload["created_by_id"] == owner.pk
