"""Webhook endpoints, the events they were sent and every attempt at sending one.

An :class:`WebhookEvent` is one domain event as the receivers see it (its public ``evt_`` id,
type, time and data, the same for every endpoint and every attempt). A
:class:`WebhookDelivery` is that event on its way to one endpoint: pending with a due time,
then succeeded, failed (every scheduled attempt failed) or cancelled (the endpoint was disabled).
Each try is a :class:`WebhookAttempt` row: when, how long, the status code and a short summary
written by us — never the receiver's answer.
"""

import secrets

from django.conf import settings
from django.db import models

from apps.core.tenancy import TenantModel, TimestampedTenantModel


def new_public_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def new_event_id() -> str:
    return new_public_id("evt")


class WebhookEndpoint(TimestampedTenantModel):
    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    # Event names (apps.webhooks.events.WEBHOOK_EVENTS); filtered in Python, endpoints are few.
    events = models.JSONField(default=list)
    # The signing secret, encrypted at rest (apps.gateway.encryption); shown once, rotatable.
    secret_encrypted = models.TextField()
    secret_hint = models.CharField(max_length=12, blank=True)  # "whsec_…a1b2"
    # After a rotation the old secret still signs (a second v1=) until this time, so receivers
    # can switch without losing events.
    previous_secret_encrypted = models.TextField(blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    enabled = models.BooleanField(default=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    # Why it is off: "" (on), "manual", or "failures" (switched off by the system).
    disabled_reason = models.CharField(max_length=20, blank=True)
    # When the owners and admins were told it was switched off (once per switch-off).
    disabled_email_sent_at = models.DateTimeField(null=True, blank=True)
    # Deliveries in a row that failed every scheduled attempt; any success resets it.
    consecutive_failed_deliveries = models.PositiveIntegerField(default=0)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.url

    @property
    def disabled_by_failures(self) -> bool:
        return not self.enabled and self.disabled_reason == "failures"


class WebhookEvent(TenantModel):
    public_id = models.CharField(max_length=40, unique=True, default=new_event_id)
    type = models.CharField(max_length=60)
    # The domain event's key (names the fact once): the same event never makes two rows.
    key = models.CharField(max_length=255)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "key"], name="webhooks_event_once")
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.public_id}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Delivered"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Not sent (endpoint disabled)"


class WebhookDelivery(TenantModel):
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(
        max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    # When the next automatic attempt is due (pending only); attempts follow
    # WEBHOOK_RETRY_SCHEDULE, counted from the event.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    scheduled_attempts = models.PositiveSmallIntegerField(default=0)  # automatic ones made
    attempt_count = models.PositiveSmallIntegerField(default=0)  # all, manual ones included
    # A person asked for one more attempt now (the "Send again" button).
    manual_requested = models.BooleanField(default=False)
    manual_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A worker is sending it until this time (another may take it over after).
    claimed_until = models.DateTimeField(null=True, blank=True)
    # When a send task was last queued for it: the sweep queues it again only if that was long
    # ago (the message was lost), so a backed-up queue does not fill with duplicates.
    queued_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_summary = models.CharField(max_length=200, blank=True)
    last_duration_ms = models.PositiveIntegerField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event"], name="webhooks_delivery_once")
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="webhooks_delivery_due",
                condition=models.Q(status="pending"),
            )
        ]

    def __str__(self) -> str:
        return f"delivery {self.pk} of {self.event_id} to {self.endpoint_id}"

    @property
    def public_id(self) -> str:
        return f"dlv_{self.pk}"


class WebhookAttempt(TenantModel):
    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveSmallIntegerField()
    manual = models.BooleanField(default=False)
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    ok = models.BooleanField(default=False)
    # Written by us from the status code or the error; never the receiver's body or reason.
    summary = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="webhooks_attempt_once")
        ]

    def __str__(self) -> str:
        return f"attempt {self.number} of delivery {self.delivery_id}"
