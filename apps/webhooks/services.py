"""What owners and admins do to webhook endpoints: add, change, rotate the secret, switch on
and off, delete, and send a delivery again.

Each takes the acting member (``actor``), refuses unless their role may manage webhooks, reaches
rows through ``access_for_update`` (another workspace's endpoint is "gone") and records an
audit row. The system's side — turning events into deliveries and sending them — is
:mod:`apps.webhooks.delivery`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from datetime import timedelta
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone

from apps.core import netguard
from apps.core.errors import ServiceError
from apps.gateway import encryption
from apps.webhooks import signing, tasks
from apps.webhooks.audit_actions import AuditAction
from apps.webhooks.events import WEBHOOK_EVENTS
from apps.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from apps.workspaces.actors import Actor, access_for_update
from apps.workspaces.roles import Action

MAX_ENDPOINTS = 20
# After a rotation the old secret keeps signing (a second v1=) this long.
ROTATION_GRACE = timedelta(hours=24)


def access_endpoint_for_update(actor: Actor, endpoint_id: int) -> WebhookEndpoint:
    return access_for_update(
        actor,
        WebhookEndpoint,
        endpoint_id,
        action=Action.MANAGE_WEBHOOKS,
        missing="This webhook endpoint no longer exists.",
    )


def _operator_allowed(host: str) -> bool:
    policy = netguard.OutboundPolicy.from_settings()
    if policy.allows_name(host):
        return True
    try:
        return policy.allows_address(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return False


def clean_url(url: str) -> str:
    """The endpoint's URL, or a ServiceError naming what is wrong with it (field ``url``)."""
    url = (url or "").strip()
    if not url:
        raise ServiceError("Enter the address that should receive the events.", field="url")
    if len(url) > 500:
        raise ServiceError("The address is longer than 500 characters.", field="url")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises on a bad port)
    except ValueError:
        raise ServiceError("The address is not a valid URL.", field="url") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ServiceError(
            "The address must start with https:// and name a server, e.g. "
            "https://example.com/atelier/webhooks.",
            field="url",
        )
    if parts.username or parts.password:
        raise ServiceError(
            "Leave user names and passwords out of the address: receivers check the "
            "Atelier-Signature header instead.",
            field="url",
        )
    # Checked again on every connection (a name may resolve elsewhere later); this refuses
    # early, with the reason, what could never be reached.
    try:
        netguard.check_url(url)
    except netguard.OutboundRefused as refusal:
        raise ServiceError(refusal.message, field="url") from None
    if parts.scheme == "http" and not _operator_allowed(parts.hostname):
        raise ServiceError(
            "Use an https:// address: events and their signatures must not travel in clear text.",
            field="url",
        )
    return url


def clean_events(names: Iterable[str]) -> list[str]:
    chosen = set(names)
    unknown = sorted(chosen - set(WEBHOOK_EVENTS))
    if unknown:
        raise ServiceError(f"“{unknown[0]}” is not an event webhooks can send.", field="events")
    if not chosen:
        raise ServiceError("Choose at least one event to send.", field="events")
    return [name for name in WEBHOOK_EVENTS if name in chosen]


@transaction.atomic(durable=True)
def endpoint_create(
    *, actor: Actor, url: str, events: Iterable[str], description: str = ""
) -> tuple[WebhookEndpoint, str]:
    """Add an endpoint; returns it and its new signing secret (shown to the person once)."""
    actor.require(Action.MANAGE_WEBHOOKS)
    url = clean_url(url)
    names = clean_events(events)
    workspace = actor.workspace
    if WebhookEndpoint.objects.for_workspace(workspace).count() >= MAX_ENDPOINTS:
        raise ServiceError(
            f"A workspace may have {MAX_ENDPOINTS} webhook endpoints; delete one you no longer "
            "use first."
        )
    secret = signing.new_secret()
    endpoint = WebhookEndpoint.objects.create(
        workspace=workspace,
        url=url,
        description=description.strip()[:200],
        events=names,
        secret_encrypted=encryption.encrypt(secret),
        secret_hint=signing.secret_hint(secret),
        created_by=actor.user,
    )
    actor.record(AuditAction.ENDPOINT_CREATED, target=url, details={"events": names})
    return endpoint, secret


@transaction.atomic(durable=True)
def endpoint_update(
    *, actor: Actor, endpoint_id: int, url: str, events: Iterable[str], description: str = ""
) -> WebhookEndpoint:
    endpoint = access_endpoint_for_update(actor, endpoint_id)
    url = clean_url(url)
    names = clean_events(events)
    description = description.strip()[:200]
    changes: dict[str, object] = {}
    if url != endpoint.url:
        changes["url"] = {"from": endpoint.url, "to": url}
    if names != endpoint.events:
        changes["events"] = names
    if description != endpoint.description:
        changes["description"] = description
    if not changes:
        return endpoint
    endpoint.url, endpoint.events, endpoint.description = url, names, description
    endpoint.save(update_fields=["url", "events", "description", "updated_at"])
    actor.record(AuditAction.ENDPOINT_UPDATED, target=url, details=changes)
    return endpoint


@transaction.atomic(durable=True)
def endpoint_rotate_secret(*, actor: Actor, endpoint_id: int) -> tuple[WebhookEndpoint, str]:
    """A new signing secret (returned, shown once); the old one also signs for 24 hours."""
    endpoint = access_endpoint_for_update(actor, endpoint_id)
    secret = signing.new_secret()
    endpoint.previous_secret_encrypted = endpoint.secret_encrypted
    endpoint.previous_secret_expires_at = timezone.now() + ROTATION_GRACE
    endpoint.secret_encrypted = encryption.encrypt(secret)
    endpoint.secret_hint = signing.secret_hint(secret)
    endpoint.save()
    actor.record(
        AuditAction.SECRET_ROTATED,
        target=endpoint.url,
        details={"secret": endpoint.secret_hint, "old_secret_signs_until": "24 hours"},
    )
    return endpoint, secret


def cancel_pending(endpoint: WebhookEndpoint) -> int:
    """Stop the deliveries still waiting for ``endpoint`` (it was switched off), and any
    "send again" not yet made. Returns how many pending deliveries were cancelled."""
    now = timezone.now()
    deliveries = WebhookDelivery.objects.for_workspace(endpoint.workspace_id).filter(
        endpoint=endpoint
    )
    deliveries.filter(manual_requested=True).update(manual_requested=False)
    return deliveries.filter(status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.CANCELLED,
        next_attempt_at=None,
        finished_at=now,
        last_summary="Not sent: the endpoint was switched off",
    )


@transaction.atomic(durable=True)
def endpoint_set_enabled(*, actor: Actor, endpoint_id: int, enabled: bool) -> WebhookEndpoint:
    """Switch an endpoint on (its failure count starts again) or off (waiting deliveries are
    not sent; they can be sent again by hand once it is back on)."""
    endpoint = access_endpoint_for_update(actor, endpoint_id)
    if endpoint.enabled == enabled:
        return endpoint
    endpoint.enabled = enabled
    if enabled:
        endpoint.disabled_at = None
        endpoint.disabled_reason = ""
        endpoint.consecutive_failed_deliveries = 0
        action = AuditAction.ENDPOINT_ENABLED
        details: dict[str, object] = {}
    else:
        endpoint.disabled_at = timezone.now()
        endpoint.disabled_reason = "manual"
        action = AuditAction.ENDPOINT_DISABLED
        details = {"cancelled_deliveries": cancel_pending(endpoint)}
    endpoint.save()
    actor.record(action, target=endpoint.url, details=details)
    return endpoint


@transaction.atomic(durable=True)
def endpoint_delete(*, actor: Actor, endpoint_id: int) -> str:
    """Delete an endpoint with its delivery log; returns its URL."""
    endpoint = access_endpoint_for_update(actor, endpoint_id)
    url = endpoint.url
    actor.record(AuditAction.ENDPOINT_DELETED, target=url, details={"events": endpoint.events})
    endpoint.delete()  # its deliveries and their attempts go with it
    return url


@transaction.atomic(durable=True)
def delivery_redeliver(*, actor: Actor, delivery_id: int) -> WebhookDelivery:
    """Send a delivery once more, now (one attempt; a delivery still on its schedule keeps it)."""
    delivery = access_for_update(
        actor,
        WebhookDelivery.objects.select_related("event", "endpoint"),
        delivery_id,
        action=Action.MANAGE_WEBHOOKS,
        missing="This delivery is no longer in the log.",
        of=("self",),
    )
    endpoint = delivery.endpoint
    if not endpoint.enabled:
        raise ServiceError("The endpoint is switched off: switch it on to send events again.")
    now = timezone.now()
    if delivery.claimed_until and delivery.claimed_until > now:
        raise ServiceError("This event is being sent right now; look at the log in a moment.")
    if delivery.manual_requested:
        return delivery  # already asked for and queued
    delivery.manual_requested = True
    delivery.manual_requested_by = actor.user
    delivery.queued_at = now
    delivery.save(update_fields=["manual_requested", "manual_requested_by", "queued_at"])
    actor.record(
        AuditAction.REDELIVERED,
        target=endpoint.url,
        details={"event": delivery.event.public_id, "type": delivery.event.type},
    )
    workspace_id = actor.workspace.pk
    transaction.on_commit(
        lambda: tasks.webhook_deliver.delay(workspace_id=workspace_id, delivery_id=delivery.pk)
    )
    return delivery


def endpoint_secret(endpoint: WebhookEndpoint) -> str:
    try:
        return encryption.decrypt(endpoint.secret_encrypted)
    except ServiceError:
        raise ServiceError(
            "the signing secret cannot be decrypted with the configured ATELIER_ENCRYPTION_KEYS "
            "(was a key removed before `manage.py webhooks_reencrypt_secrets`?). Make a new "
            "signing secret on the endpoint's page.",
            code="undecryptable",
        ) from None


def endpoint_previous_secret(endpoint: WebhookEndpoint) -> str | None:
    """The secret before the last rotation while it still signs, else None."""
    expires = endpoint.previous_secret_expires_at
    if not endpoint.previous_secret_encrypted or not expires or expires <= timezone.now():
        return None
    try:
        return encryption.decrypt(endpoint.previous_secret_encrypted)
    except ServiceError:
        return None  # an old secret lost with its key: the new one still signs


def endpoint_reencrypt_all() -> int:
    """Re-encrypt every endpoint's secrets under the newest ATELIER_ENCRYPTION_KEYS entry
    (site-wide, for the management command). Returns how many endpoints were rewritten."""
    count = 0
    endpoints = WebhookEndpoint.objects.all_workspaces()
    for endpoint_id in endpoints.values_list("pk", flat=True):
        with transaction.atomic():
            endpoint = endpoints.select_for_update().get(pk=endpoint_id)
            endpoint.secret_encrypted = encryption.rotate(endpoint.secret_encrypted)
            if endpoint.previous_secret_encrypted:
                try:
                    rotated = encryption.rotate(endpoint.previous_secret_encrypted)
                except ServiceError:
                    rotated = ""
                endpoint.previous_secret_encrypted = rotated
            endpoint.save(update_fields=["secret_encrypted", "previous_secret_encrypted"])
            count += 1
    return count
