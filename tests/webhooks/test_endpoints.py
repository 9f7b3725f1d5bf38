"""Endpoints: who may manage them, which addresses are refused, secrets, audit rows."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.core.errors import ServiceError
from apps.gateway import encryption
from apps.webhooks import services
from apps.webhooks.delivery import deliveries_prune
from apps.webhooks.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from apps.workspaces.actors import NotAllowed
from tests.factories import WebhookDeliveryFactory, WebhookEndpointFactory, actor_for

pytestmark = pytest.mark.django_db


def _endpoints(workspace):
    return list(WebhookEndpoint.objects.for_workspace(workspace))


def _audit(workspace, action):
    return list(AuditEvent.objects.for_workspace(workspace).filter(action=action))


@pytest.fixture
def public_dns(monkeypatch):
    """hooks.example.com resolves to a public address (the tests' network is off)."""
    from apps.core import netguard

    real = netguard.resolve

    def resolve(host, port):
        if host == "hooks.example.com":
            return [netguard.ipaddress.ip_address("93.184.215.14")]
        return real(host, port)

    monkeypatch.setattr(netguard, "resolve", resolve)


def test_an_admin_adds_an_endpoint_and_gets_its_secret_once(workspace, public_dns):
    actor = actor_for(workspace, role="admin")
    endpoint, secret = services.endpoint_create(
        actor=actor,
        url=" https://hooks.example.com/atelier ",
        events=["job.failed", "copy.approved"],
        description="PIM sync",
    )
    assert secret.startswith("whsec_") and len(secret) > 40
    assert endpoint.url == "https://hooks.example.com/atelier"
    assert endpoint.events == ["copy.approved", "job.failed"]  # in the offered order
    assert endpoint.enabled
    # Stored encrypted, never in the clear; the hint shows its last four characters only.
    assert secret not in endpoint.secret_encrypted
    assert encryption.decrypt(endpoint.secret_encrypted) == secret
    assert endpoint.secret_hint == f"whsec_…{secret[-4:]}"
    [row] = _audit(workspace, "webhooks.endpoint_created")
    assert row.target == "https://hooks.example.com/atelier"
    assert row.actor == actor.user
    assert secret not in str(row.details)


@pytest.mark.parametrize("role", ["brand_manager", "copywriter", "photo_editor", "reviewer"])
def test_other_roles_may_not_add_endpoints(workspace, public_dns, role):
    actor = actor_for(workspace, role=role)
    with pytest.raises(NotAllowed):
        services.endpoint_create(
            actor=actor, url="https://hooks.example.com/", events=["job.failed"]
        )
    assert _endpoints(workspace) == []


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://10.0.0.5/hook", "private network"),
        ("https://192.168.1.20/hook", "private network"),
        ("http://127.0.0.1:8000/hook", "loopback"),
        ("https://[::1]/hook", "loopback"),
        ("https://169.254.169.254/latest/meta-data/", "metadata"),
        ("https://169.254.10.1/hook", "link-local"),
        ("https://metadata.google.internal/", "metadata"),
        ("https://localhost/hook", "loopback"),
    ],
)
def test_private_loopback_link_local_and_metadata_addresses_are_refused(
    workspace, settings, url, reason
):
    settings.OUTBOUND_ALLOWED_HOSTS = []
    actor = actor_for(workspace, role="owner")
    with pytest.raises(ServiceError) as refused:
        services.endpoint_create(actor=actor, url=url, events=["job.failed"])
    assert refused.value.field == "url"
    assert reason in refused.value.message
    assert _endpoints(workspace) == []
    assert _audit(workspace, "webhooks.endpoint_created") == []


def test_metadata_stays_refused_even_when_the_operator_allows_its_network(workspace, settings):
    settings.OUTBOUND_ALLOWED_HOSTS = ["169.254.0.0/16"]
    actor = actor_for(workspace, role="owner")
    with pytest.raises(ServiceError, match="metadata"):
        services.endpoint_create(
            actor=actor, url="https://169.254.169.254/hook", events=["job.failed"]
        )
    assert _endpoints(workspace) == []


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "Enter the address"),
        ("ftp://hooks.example.com/", "must start with https://"),
        ("hooks.example.com/hook", "must start with https://"),
        ("https://user:pw@hooks.example.com/", "Leave user names and passwords out"),
        ("http://hooks.example.com/hook", "Use an https:// address"),
        ("https://hooks.example.com:99999/", "not a valid URL"),
    ],
)
def test_bad_addresses_are_refused_with_a_reason(workspace, public_dns, url, message):
    actor = actor_for(workspace, role="owner")
    with pytest.raises(ServiceError, match=message):
        services.endpoint_create(actor=actor, url=url, events=["job.failed"])
    assert _endpoints(workspace) == []


def test_events_must_be_chosen_from_the_list(workspace, public_dns):
    actor = actor_for(workspace, role="owner")
    with pytest.raises(ServiceError, match="Choose at least one event"):
        services.endpoint_create(actor=actor, url="https://hooks.example.com/", events=[])
    with pytest.raises(ServiceError, match=r"“payment\.failed” is not an event"):
        services.endpoint_create(
            actor=actor, url="https://hooks.example.com/", events=["payment.failed"]
        )
    assert _endpoints(workspace) == []


def test_plain_http_is_accepted_for_a_host_the_operator_allowed(workspace, allow_loopback):
    actor = actor_for(workspace, role="owner")
    endpoint, _ = services.endpoint_create(
        actor=actor, url="http://127.0.0.1:9/hook", events=["job.finished"]
    )
    assert endpoint.url == "http://127.0.0.1:9/hook"


def test_an_update_is_checked_like_a_new_endpoint(workspace, settings, public_dns):
    settings.OUTBOUND_ALLOWED_HOSTS = []
    actor = actor_for(workspace, role="owner")
    endpoint, _ = services.endpoint_create(
        actor=actor, url="https://hooks.example.com/a", events=["job.failed"]
    )
    with pytest.raises(ServiceError, match="private network"):
        services.endpoint_update(
            actor=actor, endpoint_id=endpoint.pk, url="https://10.1.2.3/", events=["job.failed"]
        )
    endpoint.refresh_from_db()
    assert endpoint.url == "https://hooks.example.com/a"
    services.endpoint_update(
        actor=actor,
        endpoint_id=endpoint.pk,
        url="https://hooks.example.com/b",
        events=["job.failed", "product.imported"],
    )
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.events) == (
        "https://hooks.example.com/b",
        ["job.failed", "product.imported"],
    )
    [row] = _audit(workspace, "webhooks.endpoint_updated")
    assert row.details["url"] == {
        "from": "https://hooks.example.com/a",
        "to": "https://hooks.example.com/b",
    }


def test_rotating_keeps_the_old_secret_signing_for_a_day(workspace, public_dns):
    actor = actor_for(workspace, role="owner")
    endpoint, first = services.endpoint_create(
        actor=actor, url="https://hooks.example.com/", events=["job.failed"]
    )
    endpoint, second = services.endpoint_rotate_secret(actor=actor, endpoint_id=endpoint.pk)
    assert second != first and second.startswith("whsec_")
    assert encryption.decrypt(endpoint.secret_encrypted) == second
    assert encryption.decrypt(endpoint.previous_secret_encrypted) == first
    hours = (endpoint.previous_secret_expires_at - endpoint.updated_at).total_seconds() / 3600
    assert 23.9 < hours <= 24
    [row] = _audit(workspace, "webhooks.secret_rotated")
    assert first not in str(row.details) and second not in str(row.details)


def test_another_workspaces_endpoint_is_gone(workspace, other_workspace):
    theirs = WebhookEndpointFactory(workspace=other_workspace)
    actor = actor_for(workspace, role="owner")
    for call in (
        lambda: services.endpoint_rotate_secret(actor=actor, endpoint_id=theirs.pk),
        lambda: services.endpoint_set_enabled(actor=actor, endpoint_id=theirs.pk, enabled=False),
        lambda: services.endpoint_delete(actor=actor, endpoint_id=theirs.pk),
    ):
        with pytest.raises(ServiceError) as refused:
            call()
        assert refused.value.code == "not_found"
    theirs.refresh_from_db()
    assert theirs.enabled and theirs.previous_secret_encrypted == ""


def test_switching_off_cancels_waiting_deliveries_and_on_starts_counting_again(workspace):
    endpoint = WebhookEndpointFactory(workspace=workspace, consecutive_failed_deliveries=2)
    waiting = WebhookDeliveryFactory(workspace=workspace, endpoint=endpoint, status="pending")
    done = WebhookDeliveryFactory(workspace=workspace, endpoint=endpoint, status="succeeded")
    actor = actor_for(workspace, role="admin")
    services.endpoint_set_enabled(actor=actor, endpoint_id=endpoint.pk, enabled=False)
    waiting.refresh_from_db()
    done.refresh_from_db()
    assert waiting.status == DeliveryStatus.CANCELLED and waiting.next_attempt_at is None
    assert done.status == DeliveryStatus.SUCCEEDED
    services.endpoint_set_enabled(actor=actor, endpoint_id=endpoint.pk, enabled=True)
    endpoint.refresh_from_db()
    assert endpoint.enabled and endpoint.consecutive_failed_deliveries == 0
    actions = [
        e.action
        for e in AuditEvent.objects.for_workspace(workspace).filter(action__startswith="webhooks.")
    ]
    assert sorted(actions) == ["webhooks.endpoint_disabled", "webhooks.endpoint_enabled"]


def test_deleting_an_endpoint_deletes_its_log(workspace):
    endpoint = WebhookEndpointFactory(workspace=workspace)
    WebhookDeliveryFactory(workspace=workspace, endpoint=endpoint)
    url = services.endpoint_delete(
        actor=actor_for(workspace, role="owner"), endpoint_id=endpoint.pk
    )
    assert url == endpoint.url
    assert _endpoints(workspace) == []
    assert not WebhookDelivery.objects.for_workspace(workspace).exists()
    assert len(_audit(workspace, "webhooks.endpoint_deleted")) == 1


def test_secrets_are_reencrypted_under_a_new_key(workspace, settings, public_dns):
    settings.ATELIER_ENCRYPTION_KEYS = ["old passphrase"]
    actor = actor_for(workspace, role="owner")
    endpoint, first = services.endpoint_create(
        actor=actor, url="https://hooks.example.com/", events=["job.failed"]
    )
    endpoint, second = services.endpoint_rotate_secret(actor=actor, endpoint_id=endpoint.pk)
    settings.ATELIER_ENCRYPTION_KEYS = ["new passphrase", "old passphrase"]
    call_command("webhooks_reencrypt_secrets", stdout=io.StringIO())
    settings.ATELIER_ENCRYPTION_KEYS = ["new passphrase"]
    endpoint.refresh_from_db()
    assert services.endpoint_secret(endpoint) == second
    assert services.endpoint_previous_secret(endpoint) == first


def test_the_log_keeps_finished_deliveries_for_the_retention_period(workspace, settings):
    settings.WEBHOOK_LOG_RETENTION_DAYS = 30
    endpoint = WebhookEndpointFactory(workspace=workspace)
    now = timezone.now()
    old = WebhookDeliveryFactory(
        workspace=workspace, endpoint=endpoint, finished_at=now - timedelta(days=31)
    )
    old.attempts.create(workspace=workspace, number=1, started_at=old.created_at)
    recent = WebhookDeliveryFactory(
        workspace=workspace, endpoint=endpoint, finished_at=now - timedelta(days=29)
    )
    waiting = WebhookDeliveryFactory(workspace=workspace, endpoint=endpoint, status="pending")
    WebhookEvent.objects.for_workspace(workspace).update(created_at=now - timedelta(days=40))
    assert deliveries_prune() == 1
    left = WebhookDelivery.objects.for_workspace(workspace)
    assert sorted(left.values_list("pk", flat=True)) == sorted([recent.pk, waiting.pk])
    assert not WebhookAttempt.objects.for_workspace(workspace).exists()
    assert sorted(WebhookEvent.objects.for_workspace(workspace).values_list("pk", flat=True)) == (
        sorted([recent.event_id, waiting.event_id])
    )
