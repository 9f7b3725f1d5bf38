"""API keys: made by owners and admins, shown once, stored hashed, revocable, noted when used,
refused once expired, revoked or when their creator leaves; every key action audited."""

import hashlib
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.api.models import ApiKey
from apps.api.services import api_key_create, api_key_revoke
from apps.audit.models import AuditEvent
from apps.core.errors import ServiceError
from apps.workspaces.roles import Action
from tests import factories as f
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db


def test_a_key_is_stored_as_its_hash_with_a_visible_prefix(workspace, make_key):
    issued, creator = make_key(workspace, role="copywriter", name="PIM sync")
    key = ApiKey.objects.for_workspace(workspace).get()
    assert issued.secret.startswith(key.prefix + "_") and key.prefix.startswith("atk_")
    assert key.secret_hash == hashlib.sha256(issued.secret.encode()).hexdigest()
    assert issued.secret not in str(
        ApiKey.objects.for_workspace(workspace).values().get()
    )  # the secret itself is nowhere
    assert (key.name, key.role, key.created_by_id) == ("PIM sync", "copywriter", creator.user_id)
    event = AuditEvent.objects.for_workspace(workspace).get(action="api.key_created")
    assert event.target == key.label and event.details["role"] == "copywriter"


@pytest.mark.parametrize("role", ["brand_manager", "copywriter", "photo_editor", "reviewer"])
def test_only_owners_and_admins_make_keys(workspace, role):
    actor = f.actor_for(workspace, role=role)
    with pytest.raises(ServiceError):
        api_key_create(actor=actor, name="x", role="reviewer")
    assert not ApiKey.objects.for_workspace(workspace).exists()


def test_an_admin_cannot_make_an_owners_key(workspace):
    actor = f.actor_for(workspace, role="admin")
    with pytest.raises(ServiceError, match="may not create a key with that role"):
        api_key_create(actor=actor, name="x", role="owner")
    assert api_key_create(actor=actor, name="x", role="admin").key.role == "admin"


def test_the_key_authenticates_and_notes_its_use(workspace, make_key):
    issued, _ = make_key(workspace, role="reviewer")
    api = ApiClient(issued.secret)
    response = api.get("/api/v1/me")
    assert response.status_code == 200
    assert response.json() == {
        "workspace": workspace.slug,
        "key": issued.key.label,
        "role": "reviewer",
    }
    key = ApiKey.objects.for_workspace(workspace).get()
    assert key.last_used_at is not None and key.last_used_ip == "127.0.0.1"


@pytest.mark.parametrize(
    "header",
    ["", "Bearer ", "Bearer atk_00000000_nope", "Basic dXNlcjpwYXNz", "Token {secret}"],
)
def test_no_live_key_is_401_problem(workspace, make_key, client, header):
    issued, _ = make_key(workspace)
    headers = {"Authorization": header.format(secret=issued.secret)} if header else {}
    response = client.get("/api/v1/products", headers=headers)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["status"] == 401


def test_revoked_expired_and_orphaned_keys_stop_working(workspace, make_key):
    revoked, creator = make_key(workspace, name="revoked")
    expiring, _ = make_key(
        workspace, name="expiring", expires_at=timezone.now() + timedelta(days=1)
    )
    orphan, orphan_creator = make_key(workspace, name="orphan")
    for issued in (revoked, expiring, orphan):
        assert ApiClient(issued.secret).get("/api/v1/me").status_code == 200

    api_key_revoke(actor=f.actor_for(workspace, creator.user), key_id=revoked.key.pk)
    ApiKey.objects.for_workspace(workspace).filter(pk=expiring.key.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    orphan_creator.delete()  # the member who made it left the workspace

    for issued in (revoked, expiring, orphan):
        assert ApiClient(issued.secret).get("/api/v1/me").status_code == 401, issued.key.name
    event = AuditEvent.objects.for_workspace(workspace).get(action="api.key_revoked")
    assert event.target == revoked.key.label


def test_revoking_twice_is_refused(workspace, make_key):
    issued, creator = make_key(workspace)
    actor = f.actor_for(workspace, creator.user)
    api_key_revoke(actor=actor, key_id=issued.key.pk)
    with pytest.raises(ServiceError, match="already revoked"):
        api_key_revoke(actor=actor, key_id=issued.key.pk)
    assert AuditEvent.objects.for_workspace(workspace).filter(action="api.key_revoked").count() == 1


def test_another_workspaces_key_cannot_be_revoked(workspace, other_workspace, make_key):
    issued, _ = make_key(workspace)
    with pytest.raises(ServiceError, match="gone"):
        api_key_revoke(actor=f.actor_for(other_workspace, role="owner"), key_id=issued.key.pk)
    assert ApiKey.objects.for_workspace(workspace).get().revoked_at is None


def test_keys_are_made_by_people_on_the_page_never_through_the_api(workspace, make_key):
    issued, _ = make_key(workspace, role="admin")
    response = ApiClient(issued.secret).post("/api/v1/keys", {"name": "x", "role": "owner"})
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert ApiKey.objects.for_workspace(workspace).count() == 1


def test_the_keys_page_creates_shows_once_and_revokes(client, workspace):
    admin = f.MembershipFactory(workspace=workspace, role="admin").user
    client.force_login(admin)
    url = reverse("api_key_list", kwargs={"slug": workspace.slug})
    response = client.post(url, {"name": "Shopify script", "role": "copywriter"})
    assert response.status_code == 200
    key = ApiKey.objects.for_workspace(workspace).get()
    secret = response.context["issued"].secret
    assert secret.encode() in response.content
    assert ApiClient(secret).get("/api/v1/me").json()["role"] == "copywriter"

    page = client.get(url)
    assert secret.encode() not in page.content and key.prefix.encode() in page.content

    client.post(reverse("api_key_revoke", kwargs={"slug": workspace.slug, "api_key_id": key.pk}))
    key.refresh_from_db()
    assert key.revoked_at is not None and key.revoked_by == admin
    assert ApiClient(secret).get("/api/v1/me").status_code == 401


def test_the_keys_page_offers_an_admin_no_owner_role_and_refuses_it(client, workspace):
    admin = f.MembershipFactory(workspace=workspace, role="admin").user
    client.force_login(admin)
    url = reverse("api_key_list", kwargs={"slug": workspace.slug})
    assert b'value="owner"' not in client.get(url).content
    response = client.post(url, {"name": "sneaky", "role": "owner"})
    assert response.status_code == 400
    assert not ApiKey.objects.for_workspace(workspace).exists()


@pytest.mark.parametrize("role", ["brand_manager", "copywriter", "photo_editor", "reviewer"])
def test_the_keys_page_is_for_owners_and_admins(client, workspace, role):
    client.force_login(f.MembershipFactory(workspace=workspace, role=role).user)
    url = reverse("api_key_list", kwargs={"slug": workspace.slug})
    assert client.get(url).status_code == 403
    assert client.post(url, {"name": "x", "role": "reviewer"}).status_code == 403
    assert not ApiKey.objects.for_workspace(workspace).exists()


def test_a_keys_actor_has_the_keys_role_and_audits_via_the_key(workspace, make_key):
    from apps.api.services import api_key_authenticate
    from apps.core.trail import RequestOrigin

    issued, creator = make_key(workspace, role="reviewer", creator_role="admin")
    _, actor = api_key_authenticate(
        secret=issued.secret, origin=RequestOrigin(ip_address="192.0.2.7")
    )
    assert (actor.role, actor.user, actor.workspace) == ("reviewer", creator.user, workspace)
    assert actor.can(Action.REVIEW) and not actor.can(Action.WRITE_COPY)
    # The member's own role is untouched: the key's role lives on the acting copy only.
    creator.refresh_from_db()
    assert creator.role == "admin"
    actor.record("api.key_revoked", target="test")
    event = AuditEvent.objects.for_workspace(workspace).get(action="api.key_revoked")
    assert event.actor == creator.user and event.details["via"] == issued.key.label
    assert event.ip_address == "192.0.2.7"
