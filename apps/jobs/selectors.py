"""Reads for jobs: lists, one job, its failed and stalled items, its progress figures, and
the actions a member may take on it."""

from dataclasses import dataclass
from datetime import datetime

from django.core.paginator import Page, Paginator
from django.shortcuts import get_object_or_404
from django.utils import timezone

from apps.jobs.models import Job, JobItem, JobItemStatus, JobStatus, stale_claim
from apps.jobs.rules import job_action_refusal
from apps.workspaces.actors import Actor
from apps.workspaces.models import Workspace


def job_page(*, workspace: Workspace, page: int | str = 1, per_page: int = 25) -> Page:
    jobs = Job.objects.for_workspace(workspace).select_related("created_by")
    return Paginator(jobs, per_page).get_page(page)


def job_get(*, workspace: Workspace, job_id: int) -> Job:
    """The job, or 404: another workspace's job is not found."""
    return get_object_or_404(
        Job.objects.for_workspace(workspace).select_related("created_by"), pk=job_id
    )


def job_item_failed_list(*, workspace: Workspace, job: Job, limit: int = 200) -> list[JobItem]:
    return list(
        JobItem.objects.for_workspace(workspace)
        .filter(job_id=job.pk, status=JobItemStatus.FAILED)
        .only("pk", "key", "error", "attempts", "finished_at")
        .order_by("position", "pk")[:limit]
    )


def job_stalled_count(*, job: Job, now: datetime | None = None) -> int:
    """How many of the job's items are held by a worker that stopped answering."""
    if not job.is_active:
        return 0
    now = now or timezone.now()
    return (
        JobItem.objects.for_workspace(job.workspace_id)
        .filter(stale_claim(now), job_id=job.pk)
        .count()
    )


@dataclass(frozen=True)
class JobActions:
    """What a member may do to a job now: the buttons its page shows. ``allowed`` is the rule
    the job services enforce (:mod:`apps.jobs.rules`); the others say which actions apply."""

    allowed: bool
    pause: bool
    resume: bool
    retry: bool
    cancel: bool


def job_actions(*, actor: Actor, job: Job, stalled: int) -> JobActions:
    allowed = job_action_refusal(actor, job) is None
    return JobActions(
        allowed=allowed,
        pause=allowed and job.is_active,
        resume=allowed and job.status == JobStatus.PAUSED,
        retry=allowed and bool(job.failed or stalled) and job.status != JobStatus.CANCELLED,
        cancel=allowed and not job.is_terminal,
    )


@dataclass(frozen=True)
class JobProgress:
    total: int
    done: int
    failed: int
    skipped: int
    processed: int
    percent: int
    seconds_left: int | None  # None: finished, paused, or too early to tell
    is_active: bool

    @property
    def time_left(self) -> str:
        if self.seconds_left is None:
            return ""
        if self.seconds_left < 60:
            return "less than a minute left"
        minutes = round(self.seconds_left / 60)
        if minutes < 60:
            return f"about {minutes} min left"
        return f"about {minutes // 60} h {minutes % 60:02d} min left"


def job_progress(*, job: Job, now: datetime | None = None) -> JobProgress:
    """Figures for the progress bar. Time left extrapolates this run's rate."""
    now = now or timezone.now()
    processed = min(job.processed, job.total)
    seconds_left = None
    processed_this_run = processed - job.run_processed_base
    if job.is_active and job.run_started_at and processed_this_run > 0:
        elapsed = (now - job.run_started_at).total_seconds()
        seconds_left = round(elapsed / processed_this_run * (job.total - processed))
    return JobProgress(
        total=job.total,
        done=job.done,
        failed=job.failed,
        skipped=job.skipped,
        processed=processed,
        percent=int(processed * 100 / job.total) if job.total else 100,
        seconds_left=seconds_left,
        is_active=job.is_active,
    )
