from django.db import models


class JobEvent(models.TextChoices):
    """What the job runner tells listeners (notifications, webhooks); registered in ready()."""

    FINISHED = "job.finished", "A job finished"
    FAILED = "job.failed", "A job failed"
