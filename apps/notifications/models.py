from django.conf import settings
from django.db import models
from django.utils import timezone

from apps.core.tenancy import TenantModel
from apps.notifications.kinds import Delivery, Kind


class Notification(TenantModel):
    """One thing that happened in a workspace, told to one member (the bell and the list).

    Made once per event and recipient (the constraint): a task delivered twice finds the row and
    sends nothing again. ``email`` is how it was to be e-mailed when it was made; ``emailed_at``
    says it went (at once, or in ``digest``).
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=40, choices=Kind.choices)
    event_name = models.CharField(max_length=60)
    event_key = models.CharField(max_length=255)
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)  # the reviewer's comment, the job's counts
    url = models.CharField(max_length=500, blank=True)  # a path on this site: the work itself
    # The work a review notification is about ("copy-12"): a decision on it settles the
    # review-waiting notifications of the others.
    subject = models.CharField(max_length=60, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    email = models.CharField(max_length=10, choices=Delivery.choices, default=Delivery.OFF)
    emailed_at = models.DateTimeField(null=True, blank=True)
    digest = models.ForeignKey(
        "Digest", on_delete=models.SET_NULL, null=True, blank=True, related_name="notifications"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "event_key", "recipient"],
                name="notification_once_per_event_and_recipient",
            )
        ]
        indexes = [
            models.Index(fields=["workspace", "recipient", "read_at"], name="notification_unread"),
            models.Index(
                fields=["workspace", "subject"],
                condition=~models.Q(subject=""),
                name="notification_subject",
            ),
            models.Index(
                fields=["email", "emailed_at"],
                condition=models.Q(email="digest", emailed_at__isnull=True),
                name="notification_digest_due",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class Digest(TenantModel):
    """The day's digest e-mail of one member of one workspace: at most one per day."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-day", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "recipient", "day"], name="digest_once_per_day"
            )
        ]

    def __str__(self) -> str:
        return f"Digest of {self.day} for {self.recipient}"


class NotificationPreference(models.Model):
    """How a person wants one kind of notification e-mailed, in every workspace (no row: the
    kind's default)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=40, choices=Kind.choices)
    delivery = models.CharField(max_length=10, choices=Delivery.choices)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["user", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_once")
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.kind} → {self.delivery}"
