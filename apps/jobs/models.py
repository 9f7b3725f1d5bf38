"""Jobs: long tasks split into items, processed by Celery workers in chunks.

A :class:`Job` is what a person starts and watches (a progress bar); its :class:`JobItem` rows
are the units of work, one handler call each. Counters on the job (``done``, ``failed``,
``skipped``) move only when an item changes state, in the same transaction, through ``F()``
updates guarded by the item's claim, so an item never counts twice (see ``runner.py``).
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.core.tenancy import TenantModel


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    PAUSED = "paused", "Paused"
    CANCELLED = "cancelled", "Cancelled"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    FINISHED_WITH_ERRORS = "finished_with_errors", "Finished with errors"


# Items may be claimed only while the job is in one of these.
ACTIVE_JOB_STATUSES = frozenset({JobStatus.QUEUED, JobStatus.RUNNING})
FINISHED_JOB_STATUSES = frozenset(
    {JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.FINISHED_WITH_ERRORS}
)
TERMINAL_JOB_STATUSES = FINISHED_JOB_STATUSES | {JobStatus.CANCELLED}


class JobItemStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"
    CANCELLED = "cancelled", "Cancelled"


TERMINAL_ITEM_STATUSES = frozenset(
    {JobItemStatus.DONE, JobItemStatus.FAILED, JobItemStatus.SKIPPED, JobItemStatus.CANCELLED}
)


def claim_lease() -> timedelta:
    """How long a claim holds without its heartbeat: an older one belongs to a dead worker."""
    return timedelta(seconds=settings.JOB_ITEM_LEASE_SECONDS)


def stale_claim(now: datetime) -> Q:
    """Items under a claim nobody has refreshed within the lease: their worker is gone."""
    return Q(status=JobItemStatus.RUNNING, claimed_at__lt=now - claim_lease())


class Job(TenantModel):
    workspace = models.ForeignKey(
        "workspaces.Workspace", on_delete=models.CASCADE, related_name="jobs"
    )
    kind = models.CharField(max_length=100, help_text="A registered job kind, e.g. copy.generate")
    label = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=24, choices=JobStatus.choices, default=JobStatus.QUEUED)
    params = models.JSONField(default=dict, blank=True)
    chunk_size = models.PositiveIntegerField(default=1)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The latest run (start, resume or retry) and how many items were processed before it:
    # the time-left estimate uses this run's rate only.
    run_started_at = models.DateTimeField(null=True, blank=True)
    run_processed_base = models.PositiveIntegerField(default=0)
    # Last time an item finished: a running job that stops progressing is picked up again.
    progressed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["workspace", "-created_at"], name="job_ws_created"),
            models.Index(fields=["status", "progressed_at"], name="job_status_progressed"),
        ]

    def __str__(self) -> str:
        return self.label or f"{self.kind} #{self.pk}"

    @property
    def kind_label(self) -> str:
        from apps.jobs.registry import job_kind_label

        return job_kind_label(self.kind)

    @property
    def processed(self) -> int:
        return self.done + self.failed + self.skipped

    @property
    def remaining(self) -> int:
        return max(self.total - self.processed, 0)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_JOB_STATUSES

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_JOB_STATUSES


class JobItem(TenantModel):
    workspace = models.ForeignKey(
        "workspaces.Workspace", on_delete=models.CASCADE, related_name="+"
    )
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="items")
    key = models.CharField(max_length=255, help_text="Names the item to people, unique per job")
    position = models.PositiveIntegerField(default=0)
    payload = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=16, choices=JobItemStatus.choices, default=JobItemStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True, help_text="What failed and why, for people")
    result = models.JSONField(null=True, blank=True)
    # Set by each claim (the chunk task's id): only its holder may record the outcome.
    claim_token = models.CharField(max_length=64, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "job", "key"], name="jobitem_unique_key_per_job"
            )
        ]
        indexes = [
            models.Index(fields=["job", "status"], name="jobitem_job_status"),
            models.Index(fields=["job", "position"], name="jobitem_job_position"),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.status})"
