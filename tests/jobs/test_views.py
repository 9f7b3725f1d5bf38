from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.jobs.models import Job, JobItemStatus, JobStatus
from tests.factories import JobFactory, JobItemFactory, MembershipFactory


def url(name, job, workspace=None):
    slug = (workspace or job.workspace).slug
    return reverse(name, kwargs={"slug": slug, "job_id": job.pk})


@pytest.fixture
def running_job(workspace, owner):
    now = timezone.now()
    job = JobFactory(
        workspace=workspace,
        created_by=owner,
        label="Spring catalogue copy",
        status=JobStatus.RUNNING,
        total=10,
        done=3,
        failed=2,
        started_at=now - timedelta(seconds=120),
        run_started_at=now - timedelta(seconds=120),
    )
    JobItemFactory(
        job=job,
        key="SKU-7",
        status=JobItemStatus.FAILED,
        error="Product “SKU-7” has no title: add one and retry.",
        attempts=1,
    )
    JobItemFactory(job=job, key="SKU-8", status=JobItemStatus.DONE)
    return job


def test_job_list_shows_this_workspaces_jobs(
    member_client, workspace, other_workspace, running_job
):
    JobFactory(workspace=other_workspace, label="Their secret job")
    reviewer = MembershipFactory(workspace=workspace, role="reviewer").user
    response = member_client(reviewer).get(reverse("job_list", kwargs={"slug": workspace.slug}))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Spring catalogue copy" in text
    assert "Their secret job" not in text
    assert f'href="/w/{workspace.slug}/jobs/"' in text  # the sidebar has the section


def test_job_detail_lists_failed_items_with_their_errors(member_client, owner, running_job):
    response = member_client(owner).get(url("job_detail", running_job))
    assert response.status_code == 200
    text = response.content.decode()
    assert "SKU-7" in text
    assert "Product “SKU-7” has no title: add one and retry." in text
    assert "SKU-8" not in text  # done items are not in the failure list
    for action in ("job_pause", "job_retry_failed", "job_cancel"):
        assert url(action, running_job) in text
    assert url("job_resume", running_job) not in text


def test_members_who_may_not_act_see_no_buttons(member_client, workspace, running_job):
    reviewer = MembershipFactory(workspace=workspace, role="reviewer").user
    text = member_client(reviewer).get(url("job_detail", running_job)).content.decode()
    assert "SKU-7" in text
    assert 'data-testid="job-actions"' not in text
    assert url("job_cancel", running_job) not in text


def test_progress_partial_shows_counts_failures_time_left_and_polls(
    member_client, owner, running_job
):
    response = member_client(owner).get(url("job_progress", running_job), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "HX-Refresh" not in response
    text = response.content.decode()
    assert '<progress class="job-progress has-failures" max="10" value="5"' in text
    assert '<strong class="text-body">5</strong> / 10 items (50%)' in text
    assert "2 failed" in text
    assert "about 2 min left" in text  # 5 items in 120 s, 5 to go
    assert f'hx-get="{url("job_progress", running_job)}"' in text
    assert 'hx-trigger="every 2s"' in text and 'hx-swap="outerHTML"' in text
    assert "style=" not in text


def test_progress_of_a_finished_job_stops_polling_and_reloads_the_page(
    member_client, owner, running_job
):
    Job.objects.for_workspace(running_job.workspace).filter(pk=running_job.pk).update(
        status=JobStatus.FINISHED_WITH_ERRORS, done=8, failed=2, finished_at=timezone.now()
    )
    response = member_client(owner).get(url("job_progress", running_job), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Refresh"] == "true"
    text = response.content.decode()
    assert "hx-get" not in text and "hx-trigger" not in text
    assert "10</strong> / 10 items (100%)" in text
    # Rendered into a page (not polled), it just shows the final state. (The page's other
    # polls, the notification bell's, are not the job's.)
    page = member_client(owner).get(url("job_detail", running_job)).content.decode()
    assert 'data-testid="job-progress"' in page
    assert url("job_progress", running_job) not in page


@pytest.mark.parametrize(
    "name",
    [
        "job_detail",
        "job_progress",
        "job_cancel",
        "job_pause",
        "job_resume",
        "job_retry_failed",
    ],
)
def test_another_workspaces_job_is_not_found(
    member_client, workspace, other_workspace, stranger, running_job, name
):
    client = member_client(stranger)
    # Through their own workspace's address, and through ours (where they are not a member).
    assert client.post(url(name, running_job, other_workspace)).status_code == 404
    assert client.get(url(name, running_job, workspace)).status_code == 404
    running_job.refresh_from_db()
    assert running_job.status == JobStatus.RUNNING


@pytest.mark.parametrize("name", ["job_cancel", "job_pause", "job_retry_failed"])
@pytest.mark.parametrize("role", ["reviewer", "copywriter", "brand_manager"])
def test_members_may_not_act_on_someone_elses_job(
    member_client, workspace, running_job, sent_chunks, name, role
):
    member = MembershipFactory(workspace=workspace, role=role).user
    assert member_client(member).post(url(name, running_job)).status_code == 403
    running_job.refresh_from_db()
    assert (running_job.status, running_job.failed) == (JobStatus.RUNNING, 2)
    assert sent_chunks == []


def test_the_creator_may_cancel_their_own_job(member_client, workspace):
    copywriter = MembershipFactory(workspace=workspace, role="copywriter").user
    job = JobFactory(workspace=workspace, created_by=copywriter, total=2)
    JobItemFactory(job=job, key="a")
    response = member_client(copywriter).post(url("job_cancel", job))
    assert response.status_code == 302
    assert response["Location"] == url("job_detail", job)
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED
    page = member_client(copywriter).get(url("job_detail", job)).content.decode()
    assert "The job was cancelled; finished items are kept." in page


def test_an_admin_may_pause_resume_and_retry_anyones_job(
    member_client, workspace, running_job, sent_chunks, django_capture_on_commit_callbacks
):
    admin = MembershipFactory(workspace=workspace, role="admin").user
    client = member_client(admin)
    assert client.post(url("job_pause", running_job)).status_code == 302
    running_job.refresh_from_db()
    assert running_job.status == JobStatus.PAUSED
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url("job_resume", running_job)).status_code == 302
    running_job.refresh_from_db()
    assert running_job.status == JobStatus.QUEUED
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("job_retry_failed", running_job), follow=True)
    assert "1 item(s) will be tried again." in response.content.decode()
    failed_item = running_job.items.get(key="SKU-7")
    assert (failed_item.status, failed_item.error) == ("pending", "")
    assert [kwargs["item_ids"] for kwargs, _ in sent_chunks][-1] == [failed_item.pk]


def test_a_refused_action_shows_the_reason(member_client, owner, running_job):
    Job.objects.for_workspace(running_job.workspace).filter(pk=running_job.pk).update(
        status=JobStatus.SUCCEEDED, finished_at=timezone.now()
    )
    response = member_client(owner).post(url("job_cancel", running_job), follow=True)
    assert "This job has already finished; there is nothing left to cancel." in (
        response.content.decode()
    )
    running_job.refresh_from_db()
    assert running_job.status == JobStatus.SUCCEEDED


def test_anonymous_visitors_are_sent_to_sign_in(client, running_job):
    response = client.get(url("job_detail", running_job))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
