from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models

from apps.core.tenancy import TenantModel
from apps.reviews.lifecycle import ReviewDecision, ReviewState


class Reviewable(models.Model):
    """Fields every piece of reviewable work carries (a copy draft, a processed photo)."""

    review_state = models.CharField(
        max_length=20, choices=ReviewState.choices, default=ReviewState.DRAFT, db_index=True
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class ReviewEvent(TenantModel):
    """One decision or comment on one piece of work. Append-only: never updated or deleted."""

    workspace = models.ForeignKey(
        "workspaces.Workspace", on_delete=models.CASCADE, related_name="review_events"
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    decision = models.CharField(max_length=20, choices=ReviewDecision.choices)
    from_state = models.CharField(max_length=20, choices=ReviewState.choices)
    to_state = models.CharField(max_length=20, choices=ReviewState.choices)
    comment = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["workspace", "content_type", "object_id"], name="review_subject")
        ]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} ({self.from_state} → {self.to_state})"
