import pytest
from django.urls import reverse

from apps.core.trail import RequestOrigin
from apps.workspaces import services
from apps.workspaces.actors import Actor
from apps.workspaces.models import Membership
from tests.factories import MembershipFactory, UserFactory, actor_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_owners_and_admins_read_the_trail(client, workspace, role):
    reader = MembershipFactory(workspace=workspace, role=role).user
    member = MembershipFactory(workspace=workspace, role="copywriter")
    owner = MembershipFactory(workspace=workspace, role="owner").user
    acting_owner = Actor(
        membership=Membership.objects.for_workspace(workspace).get(user=owner),
        origin=RequestOrigin(ip_address="198.51.100.7", user_agent="pytest"),
    )
    services.membership_change_role(actor=acting_owner, membership_id=member.pk, role="reviewer")
    client.force_login(reader)
    page = client.get(reverse("audit_event_list", kwargs={"slug": workspace.slug}))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Role changed" in html and member.user.email in html and owner.email in html
    assert "198.51.100.7" in html
    assert "copywriter → reviewer" in html


@pytest.mark.parametrize("role", ["brand_manager", "copywriter", "photo_editor", "reviewer"])
def test_other_roles_may_not(client, workspace, role):
    client.force_login(MembershipFactory(workspace=workspace, role=role).user)
    page = client.get(reverse("audit_event_list", kwargs={"slug": workspace.slug}))
    assert page.status_code == 403


def test_the_trail_shows_only_this_workspaces_events(client, workspace, other_workspace, stranger):
    services.workspace_update(
        actor=actor_for(other_workspace, stranger), name="Secret rename", require_mfa=False
    )
    client.force_login(MembershipFactory(workspace=workspace, role="owner").user)
    html = client.get(reverse("audit_event_list", kwargs={"slug": workspace.slug})).content
    assert b"Secret rename" not in html


@pytest.mark.parametrize(
    ("trusted", "forwarded", "expected"),
    [(0, "203.0.113.5", "10.0.0.2"), (1, "203.0.113.5", "203.0.113.5"), (1, "", "10.0.0.2")],
)
def test_the_client_address_honours_only_trusted_proxies(
    rf, settings, trusted, forwarded, expected
):
    settings.AUDIT_TRUSTED_PROXY_COUNT = trusted
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    assert RequestOrigin.from_request(request).ip_address == expected


def test_plan_changes_and_credit_adjustments_are_recorded(workspace, owner):
    from apps.audit.models import AuditEvent
    from apps.billing.services.credits import credits_adjust
    from apps.billing.services.plan_changes import billing_plan_select

    billing_plan_select(actor=actor_for(workspace, owner), plan_code="growth")
    credits_adjust(
        workspace=workspace,
        site_admin=UserFactory(is_staff=True),
        credits=50,
        key="goodwill-1",
        reason="Goodwill",
    )
    events = AuditEvent.objects.for_workspace(workspace).order_by("id")
    assert [(e.action, e.target) for e in events] == [
        ("billing.plan_changed", "Growth"),
        ("billing.credits_adjusted", "+50 credits"),
    ]
    assert events[0].details_summary.startswith("trial → growth")


def test_model_route_and_key_changes_are_recorded_without_the_key(workspace, owner):
    from apps.audit.models import AuditEvent
    from apps.gateway import model_settings
    from apps.gateway.models import ModelEntry

    model = ModelEntry.objects.filter(provider="local").first()
    model_settings.route_save(
        actor=actor_for(workspace, owner), task="copy.generate", model_ids=[model.pk]
    )
    model_settings.credential_save(
        actor=actor_for(workspace, owner), provider="openai", api_key="sk-secret-value-1234"
    )
    model_settings.credential_remove(actor=actor_for(workspace, owner), provider="openai")
    events = list(AuditEvent.objects.for_workspace(workspace).order_by("id"))
    assert [e.action for e in events] == [
        "models.route_changed",
        "models.key_saved",
        "models.key_removed",
    ]
    assert events[1].details["key"] == "••••1234"
    assert "sk-secret" not in str([e.details for e in events])


def test_the_trail_names_the_time_zone_its_times_are_shown_in(client, workspace, settings):
    settings.TIME_ZONE = "Europe/Paris"
    reader = MembershipFactory(workspace=workspace, role="owner").user
    client.force_login(reader)
    html = client.get(reverse("audit_event_list", kwargs={"slug": workspace.slug})).content
    assert "When (Europe/Paris)" in html.decode()
