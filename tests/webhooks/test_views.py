"""The Webhooks pages: who sees them, the secret shown once, refusals as form errors, the
delivery log and its button, and 404 for another workspace's endpoints and deliveries."""

import pytest
from django.urls import reverse

from apps.webhooks.models import WebhookEndpoint
from tests.factories import (
    MembershipFactory,
    WebhookDeliveryFactory,
    WebhookEndpointFactory,
)

pytestmark = pytest.mark.django_db


def url(name, workspace, **kwargs):
    return reverse(name, kwargs={"slug": workspace.slug, **kwargs})


def test_owner_adds_an_endpoint_and_sees_the_secret_once(client, workspace, owner, allow_loopback):
    client.force_login(owner)
    dashboard = client.get(url("workspace_dashboard", workspace)).content.decode()
    assert url("webhooks_list", workspace) in dashboard  # the sidebar's entry
    response = client.post(
        url("webhooks_list", workspace),
        {"url": "http://127.0.0.1:9/hook", "events": ["job.finished", "credits.low"]},
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    endpoint = WebhookEndpoint.objects.for_workspace(workspace).get()
    secret = response.context["secret"]
    assert secret.startswith("whsec_") and secret in response.content.decode()
    page = client.get(url("webhooks_endpoint", workspace, endpoint_id=endpoint.pk))
    assert page.status_code == 200
    assert secret not in page.content.decode()
    assert endpoint.secret_hint in page.content.decode()
    listing = client.get(url("webhooks_list", workspace)).content.decode()
    assert "http://127.0.0.1:9/hook" in listing and secret not in listing


def test_a_private_address_is_a_form_error_and_nothing_is_saved(client, workspace, owner, settings):
    settings.OUTBOUND_ALLOWED_HOSTS = []
    client.force_login(owner)
    response = client.post(
        url("webhooks_list", workspace), {"url": "https://10.0.0.8/hook", "events": ["job.failed"]}
    )
    assert response.status_code == 400
    assert "a private network address" in response.context["form"].errors["url"][0]
    assert not WebhookEndpoint.objects.for_workspace(workspace).exists()


@pytest.mark.parametrize("role", ["brand_manager", "copywriter", "photo_editor", "reviewer"])
def test_other_roles_get_403_and_no_nav_entry(client, workspace, role):
    member = MembershipFactory(workspace=workspace, role=role).user
    client.force_login(member)
    assert client.get(url("webhooks_list", workspace)).status_code == 403
    dashboard = client.get(url("workspace_dashboard", workspace)).content.decode()
    assert url("webhooks_list", workspace) not in dashboard


def test_the_delivery_log_shows_codes_never_the_receivers_answer(client, workspace, owner):
    endpoint = WebhookEndpointFactory(workspace=workspace)
    delivery = WebhookDeliveryFactory(workspace=workspace, endpoint=endpoint, last_duration_ms=120)
    delivery.attempts.create(
        workspace=workspace,
        number=1,
        started_at=delivery.created_at,
        duration_ms=120,
        status_code=500,
        summary="500 Internal Server Error",
    )
    client.force_login(owner)
    log = client.get(url("webhooks_endpoint", workspace, endpoint_id=endpoint.pk))
    assert "500 Internal Server Error" in log.content.decode()
    assert "120 ms" in log.content.decode()
    page = client.get(url("webhooks_delivery", workspace, delivery_id=delivery.pk))
    html = page.content.decode()
    assert page.status_code == 200
    assert "120 ms" in html and delivery.event.public_id in html
    assert "Send again" in html


def test_the_send_again_button_queues_one_manual_attempt(client, workspace, owner):
    endpoint = WebhookEndpointFactory(workspace=workspace, url="https://hooks.example.com/")
    delivery = WebhookDeliveryFactory(workspace=workspace, endpoint=endpoint)
    client.force_login(owner)
    response = client.post(url("webhooks_delivery_redeliver", workspace, delivery_id=delivery.pk))
    assert response.status_code == 302
    assert response["Location"] == url("webhooks_delivery", workspace, delivery_id=delivery.pk)
    delivery.refresh_from_db()
    # The test's transaction never commits, so the queued attempt has not run: it is asked for.
    assert delivery.manual_requested and delivery.manual_requested_by == owner


def test_another_workspaces_endpoint_and_delivery_are_404(
    client, workspace, other_workspace, owner
):
    theirs = WebhookEndpointFactory(workspace=other_workspace)
    their_delivery = WebhookDeliveryFactory(workspace=other_workspace, endpoint=theirs)
    client.force_login(owner)
    for name, kwargs in [
        ("webhooks_endpoint", {"endpoint_id": theirs.pk}),
        ("webhooks_endpoint_rotate", {"endpoint_id": theirs.pk}),
        ("webhooks_endpoint_disable", {"endpoint_id": theirs.pk}),
        ("webhooks_endpoint_delete", {"endpoint_id": theirs.pk}),
        ("webhooks_delivery", {"delivery_id": their_delivery.pk}),
        ("webhooks_delivery_redeliver", {"delivery_id": their_delivery.pk}),
    ]:
        assert client.post(url(name, workspace, **kwargs)).status_code == 404, name
    theirs.refresh_from_db()
    their_delivery.refresh_from_db()
    assert theirs.enabled and theirs.previous_secret_encrypted == ""
    assert not their_delivery.manual_requested


def test_switch_off_rotate_and_delete_buttons(client, workspace, owner):
    endpoint = WebhookEndpointFactory(workspace=workspace)
    client.force_login(owner)
    client.post(url("webhooks_endpoint_disable", workspace, endpoint_id=endpoint.pk))
    endpoint.refresh_from_db()
    assert not endpoint.enabled and endpoint.disabled_reason == "manual"
    page = client.get(url("webhooks_endpoint", workspace, endpoint_id=endpoint.pk))
    assert "Switch on" in page.content.decode()
    rotated = client.post(url("webhooks_endpoint_rotate", workspace, endpoint_id=endpoint.pk))
    assert rotated.status_code == 200 and rotated.context["secret"].startswith("whsec_")
    assert "24 hours" in rotated.content.decode()
    client.post(url("webhooks_endpoint_delete", workspace, endpoint_id=endpoint.pk))
    assert not WebhookEndpoint.objects.for_workspace(workspace).exists()
