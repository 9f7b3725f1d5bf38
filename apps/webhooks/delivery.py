"""The system's side of webhooks: events become deliveries, deliveries are sent and retried.

* :func:`webhooks_on_event` listens to every domain event (``apps.core.events``). It is quick:
  for an event an endpoint chose, it writes one :class:`WebhookEvent` and one
  :class:`WebhookDelivery` per endpoint and queues a send task after the commit.
* :func:`delivery_attempt` (the task's one call) claims a due delivery, signs the body, POSTs it
  through the outbound guard outside any transaction, and records the attempt. A failed
  automatic attempt is due again at the next offset of ``WEBHOOK_RETRY_SCHEDULE`` (seconds after
  the event).
* :func:`deliveries_queue_due` (beat, every ``WEBHOOK_SWEEP_SECONDS``) queues what is due.

Retries live in PostgreSQL (``next_attempt_at``), not in the broker: a countdown of hours on a
Redis broker outlives its visibility timeout and is redelivered early, and a worker restart or a
flushed broker would lose it. A due row is found by the sweep whatever happened to the message.
A worker killed mid-request leaves a claim that lapses; the attempt is made again
(at-least-once: receivers de-duplicate by the event's ``id``).
"""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from apps.core import trail
from apps.core.errors import ServiceError
from apps.core.events import Event
from apps.webhooks import sending, services, signing, tasks
from apps.webhooks.audit_actions import AuditAction
from apps.webhooks.events import WEBHOOK_EVENTS
from apps.webhooks.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from apps.workspaces.models import Membership, Workspace
from apps.workspaces.roles import PERMISSIONS, Action

logger = logging.getLogger(__name__)

SWEEP_LIMIT = 500
# A queued send that has not started after this long is queued again by the sweep.
REQUEUE_AFTER = timedelta(minutes=5)


# --- Events become deliveries ------------------------------------------------------------------


def webhooks_on_event(event: Event) -> None:
    """The listener: one delivery per endpoint that chose ``event``'s type (idempotent per
    event key and endpoint), each queued after the commit."""
    if event.name not in WEBHOOK_EVENTS:
        return
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.for_workspace(event.workspace_id).filter(
            enabled=True
        )
        if event.name in endpoint.events
    ]
    if not endpoints:
        return
    with transaction.atomic():
        webhook_event, _ = WebhookEvent.objects.for_workspace(event.workspace_id).get_or_create(
            workspace_id=event.workspace_id,
            key=event.key[:255],
            defaults={"type": event.name, "data": event.payload},
        )
        now = timezone.now()
        for endpoint in endpoints:
            delivery, created = WebhookDelivery.objects.for_workspace(
                event.workspace_id
            ).get_or_create(
                workspace_id=event.workspace_id,
                endpoint=endpoint,
                event=webhook_event,
                defaults={"next_attempt_at": now, "queued_at": now},
            )
            if created:
                _queue_after_commit(event.workspace_id, delivery.pk)


def _queue_after_commit(workspace_id: int, delivery_id: int) -> None:
    transaction.on_commit(
        lambda: tasks.webhook_deliver.delay(workspace_id=workspace_id, delivery_id=delivery_id)
    )


# --- The body and its signature ----------------------------------------------------------------


def event_envelope(event: WebhookEvent, workspace: Workspace) -> dict:
    """What a receiver gets: the same for every endpoint and every attempt."""
    return {
        "id": event.public_id,
        "type": event.type,
        "created": event.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "workspace": {"id": workspace.pk, "slug": workspace.slug},
        "data": event.data,
    }


def event_body(event: WebhookEvent, workspace: Workspace) -> bytes:
    envelope = event_envelope(event, workspace)
    return json.dumps(envelope, separators=(",", ":"), ensure_ascii=False).encode()


def signing_secrets(endpoint: WebhookEndpoint) -> list[str]:
    """The secrets that sign now: the current one, and the previous one during its grace."""
    previous = services.endpoint_previous_secret(endpoint)
    return [services.endpoint_secret(endpoint), *([previous] if previous else [])]


# --- Sending -----------------------------------------------------------------------------------


def _is_due(delivery: WebhookDelivery, now) -> bool:
    if delivery.claimed_until and delivery.claimed_until > now:
        return False  # another worker is sending it
    if delivery.manual_requested:
        return True
    return (
        delivery.status == DeliveryStatus.PENDING
        and delivery.next_attempt_at is not None
        and delivery.next_attempt_at <= now
    )


def _locked_delivery(workspace_id: int, delivery_id: int) -> WebhookDelivery | None:
    return (
        WebhookDelivery.objects.for_workspace(workspace_id)
        .select_for_update(of=("self",))
        .select_related("endpoint", "event", "workspace")
        .filter(pk=delivery_id)
        .first()
    )


def delivery_attempt(*, workspace_id: int, delivery_id: int) -> str:
    """Make one attempt at a delivery if it is due; returns what happened, in a word or two
    (the task's log). Safe to run twice: a delivery that is not due, or being sent by another
    worker, is left alone."""
    now = timezone.now()
    with transaction.atomic():
        delivery = _locked_delivery(workspace_id, delivery_id)
        if delivery is None:
            return "gone"
        if not _is_due(delivery, now):
            return "not due"
        endpoint = delivery.endpoint
        if not endpoint.enabled:
            return "endpoint off"
        manual = delivery.manual_requested
        lease = settings.WEBHOOK_TIMEOUT_SECONDS + 60
        delivery.claimed_until = now + timedelta(seconds=lease)
        delivery.save(update_fields=["claimed_until"])
        url = endpoint.url
        body = event_body(delivery.event, delivery.workspace)
        event_type = delivery.event.type
        unsigned = ""
        try:
            secrets = signing_secrets(endpoint)
        except ServiceError as error:  # ATELIER_ENCRYPTION_KEYS lost the key it was stored with
            secrets, unsigned = [], error.message
    started_at = timezone.now()
    if not secrets:
        # Never send unsigned: record why, and let the schedule (or a new secret) take over.
        outcome = sending.Outcome(
            ok=False, status_code=None, summary=f"Not sent: {unsigned}"[:200], duration_ms=0
        )
    else:
        # The request runs outside the transaction: no row stays locked while a receiver thinks.
        timestamp = int(time.time())
        headers = {
            signing.SIGNATURE_HEADER: signing.signature_header(secrets, timestamp, body),
            "Atelier-Event": event_type,
            "Atelier-Delivery": delivery.public_id,
        }
        outcome = sending.post(url, body=body, headers=headers)
    return _record_attempt(
        workspace_id=workspace_id,
        delivery_id=delivery_id,
        outcome=outcome,
        started_at=started_at,
        manual=manual,
    )


def _next_due(delivery: WebhookDelivery, now):
    """When the next automatic attempt is due, or None when the schedule is spent."""
    schedule = settings.WEBHOOK_RETRY_SCHEDULE
    made = delivery.scheduled_attempts  # automatic attempts so far, this one included
    if made > len(schedule):
        return None
    return max(now, delivery.created_at + timedelta(seconds=schedule[made - 1]))


def _record_attempt(
    *,
    workspace_id: int,
    delivery_id: int,
    outcome: sending.Outcome,
    started_at,
    manual: bool,
) -> str:
    with transaction.atomic():
        delivery = _locked_delivery(workspace_id, delivery_id)
        if delivery is None:
            return "gone"  # deleted with its endpoint while we were sending
        endpoint = (
            WebhookEndpoint.objects.for_workspace(workspace_id)
            .select_for_update()
            .get(pk=delivery.endpoint_id)
        )
        now = timezone.now()
        delivery.attempt_count += 1
        WebhookAttempt.objects.create(
            workspace_id=workspace_id,
            delivery=delivery,
            number=delivery.attempt_count,
            manual=manual,
            started_at=started_at,
            duration_ms=outcome.duration_ms,
            status_code=outcome.status_code,
            ok=outcome.ok,
            summary=outcome.summary[:200],
        )
        delivery.last_status_code = outcome.status_code
        delivery.last_summary = outcome.summary[:200]
        delivery.last_duration_ms = outcome.duration_ms
        delivery.last_attempt_at = started_at
        delivery.claimed_until = None
        if manual:
            delivery.manual_requested = False
        else:
            delivery.scheduled_attempts += 1
        result = "delivered"
        if outcome.ok:
            delivery.status = DeliveryStatus.SUCCEEDED
            delivery.next_attempt_at = None
            delivery.finished_at = now
            endpoint.consecutive_failed_deliveries = 0
            endpoint.last_success_at = now
        else:
            endpoint.last_failure_at = now
            result = "failed"
            if delivery.status == DeliveryStatus.PENDING and not manual:
                delivery.next_attempt_at = _next_due(delivery, now)
                delivery.queued_at = None
                if delivery.next_attempt_at is None:
                    # Every scheduled attempt failed: this event counts against the endpoint.
                    delivery.status = DeliveryStatus.FAILED
                    delivery.finished_at = now
                    endpoint.consecutive_failed_deliveries += 1
                    result = "gave up"
            elif delivery.status != DeliveryStatus.PENDING:
                delivery.status = DeliveryStatus.FAILED  # a manual try of a finished delivery
                delivery.finished_at = now
        delivery.save()
        limit = settings.WEBHOOK_DISABLE_AFTER_FAILED_DELIVERIES
        if endpoint.enabled and endpoint.consecutive_failed_deliveries >= limit:
            _disable_for_failures(endpoint, now)
            result += ", endpoint switched off"
        endpoint.save()
    return result


def _disable_for_failures(endpoint: WebhookEndpoint, now) -> None:
    endpoint.enabled = False
    endpoint.disabled_at = now
    endpoint.disabled_reason = "failures"
    endpoint.disabled_email_sent_at = None
    cancelled = services.cancel_pending(endpoint)
    trail.record(
        workspace=endpoint.workspace,
        user=None,
        action=AuditAction.ENDPOINT_DISABLED,
        target=endpoint.url,
        details={
            "reason": "every attempt failed for "
            f"{endpoint.consecutive_failed_deliveries} events in a row",
            "cancelled_deliveries": cancelled,
        },
    )
    workspace_id, endpoint_id = endpoint.workspace_id, endpoint.pk
    transaction.on_commit(
        lambda: tasks.webhook_disabled_email.delay(
            workspace_id=workspace_id, endpoint_id=endpoint_id
        )
    )


def endpoint_send_disabled_email(*, workspace_id: int, endpoint_id: int) -> int:
    """Tell the people who manage webhooks that the system switched an endpoint off, once per
    switch-off. Returns how many people were written to."""
    with transaction.atomic():
        endpoint = (
            WebhookEndpoint.objects.for_workspace(workspace_id)
            .select_for_update(of=("self",))
            .select_related("workspace")
            .filter(pk=endpoint_id)
            .first()
        )
        if endpoint is None or not endpoint.disabled_by_failures:
            return 0
        if endpoint.disabled_email_sent_at is not None:
            return 0
        roles = [str(role) for role in PERMISSIONS[Action.MANAGE_WEBHOOKS]]
        recipients = sorted(
            Membership.objects.for_workspace(workspace_id)
            .filter(role__in=roles, user__is_active=True)
            .values_list("user__email", flat=True)
        )
        workspace = endpoint.workspace
        context = {
            "endpoint": endpoint,
            "workspace": workspace,
            "failed_events": endpoint.consecutive_failed_deliveries,
            "path": reverse(
                "webhooks_endpoint", kwargs={"slug": workspace.slug, "endpoint_id": endpoint.pk}
            ),
        }
        if recipients:
            send_mail(
                subject=f"[Atelier] A webhook endpoint of {workspace.name} was switched off",
                message=render_to_string("webhooks/email/endpoint_disabled.txt", context),
                from_email=None,
                recipient_list=recipients,
            )
        endpoint.disabled_email_sent_at = timezone.now()
        endpoint.save(update_fields=["disabled_email_sent_at"])
        return len(recipients)


# --- The sweep ---------------------------------------------------------------------------------


def deliveries_queue_due(*, limit: int = SWEEP_LIMIT) -> int:
    """Queue a send task for every delivery that is due and not already queued recently
    (site-wide: beat runs it). Returns how many were queued."""
    now = timezone.now()
    with transaction.atomic():
        due = list(
            WebhookDelivery.objects.all_workspaces()
            .select_for_update(skip_locked=True, of=("self",))
            .filter(
                Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
                | Q(manual_requested=True),
                endpoint__enabled=True,
            )
            .filter(Q(queued_at__isnull=True) | Q(queued_at__lt=now - REQUEUE_AFTER))
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
            .order_by("next_attempt_at")
            .values_list("pk", "workspace_id")[:limit]
        )
        if not due:
            return 0
        WebhookDelivery.objects.all_workspaces().filter(pk__in=[pk for pk, _ in due]).update(
            queued_at=now
        )
        for delivery_id, workspace_id in due:
            _queue_after_commit(workspace_id, delivery_id)
    return len(due)


def deliveries_prune() -> int:
    """Delete deliveries (with their attempts) that finished more than
    ``WEBHOOK_LOG_RETENTION_DAYS`` ago, and events no delivery refers to any more (site-wide:
    beat runs it daily). Returns how many deliveries were deleted."""
    cutoff = timezone.now() - timedelta(days=settings.WEBHOOK_LOG_RETENTION_DAYS)
    finished = (
        WebhookDelivery.objects.all_workspaces()
        .filter(finished_at__lt=cutoff)
        .exclude(status=DeliveryStatus.PENDING)
        .exclude(manual_requested=True)
    )
    deleted = finished.filter(pk__in=list(finished.values_list("pk", flat=True)[:10_000])).delete()
    still_used = WebhookDelivery.objects.all_workspaces().values("event_id")
    WebhookEvent.objects.all_workspaces().filter(created_at__lt=cutoff).exclude(
        pk__in=still_used
    ).delete()
    return deleted[1].get(WebhookDelivery._meta.label, 0)
