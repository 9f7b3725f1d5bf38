from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.workspaces import services
from apps.workspaces.models import Invitation, Membership, Workspace
from tests.factories import PASSWORD, InvitationFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

DASHBOARD_TEXT = {
    "owner": "Team overview for owners",
    "admin": "Team overview for admins",
    "brand_manager": "brand manager's desk",
    "copywriter": "copywriter's desk",
    "photo_editor": "photo editor's desk",
    "reviewer": "reviewer's desk",
}


@pytest.mark.parametrize("role", list(DASHBOARD_TEXT))
def test_each_role_lands_on_its_own_dashboard_after_login(client, workspace, role):
    user = MembershipFactory(workspace=workspace, role=role).user
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse(
        "workspace_dashboard", kwargs={"slug": workspace.slug}
    )
    assert DASHBOARD_TEXT[role] in response.content.decode()


def test_the_sidebar_shows_only_the_sections_the_role_may_use(client, workspace):
    client.force_login(MembershipFactory(workspace=workspace, role="copywriter").user)
    page = client.get(reverse("workspace_dashboard", kwargs={"slug": workspace.slug}))
    html = page.content.decode()
    assert ">Members<" in html
    assert ">Audit trail<" not in html and ">Settings<" not in html
    client.force_login(MembershipFactory(workspace=workspace, role="owner").user)
    html = client.get(reverse("workspace_dashboard", kwargs={"slug": workspace.slug})).content
    assert b">Audit trail<" in html and b">Settings<" in html


def test_home_sends_a_user_without_workspace_to_create_one(client, user):
    client.force_login(user)
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == reverse("workspace_list")
    assert "You are not in a workspace yet" in response.content.decode()


def test_a_user_in_several_workspaces_can_switch(client, user):
    first = MembershipFactory(user=user, role="owner").workspace
    second = MembershipFactory(user=user, role="reviewer").workspace
    client.force_login(user)
    page = client.get(reverse("workspace_dashboard", kwargs={"slug": first.slug}))
    html = page.content.decode()
    assert first.name in html and second.name in html  # the switcher lists both
    client.get(reverse("workspace_dashboard", kwargs={"slug": second.slug}))
    assert client.get("/")["Location"] == reverse(
        "workspace_dashboard", kwargs={"slug": second.slug}
    )


def test_creating_a_workspace_in_the_browser(client, user):
    client.force_login(user)
    response = client.post(reverse("workspace_list"), {"name": "Harbor & Pine", "slug": ""})
    workspace = Workspace.objects.get()
    assert response["Location"] == reverse("workspace_dashboard", kwargs={"slug": "harbor-pine"})
    assert Membership.objects.for_workspace(workspace).get().role == "owner"


def test_a_duplicate_slug_shows_a_clear_message(client, workspace, user):
    client.force_login(user)
    response = client.post(reverse("workspace_list"), {"name": "Mine", "slug": workspace.slug})
    assert response.status_code == 200
    assert f"The address “{workspace.slug}” is already taken" in response.content.decode()
    assert Workspace.objects.count() == 1


def test_non_members_get_404(client, workspace, stranger):
    client.force_login(stranger)
    assert (
        client.get(reverse("workspace_dashboard", kwargs={"slug": workspace.slug})).status_code
        == 404
    )
    assert client.get("/w/no-such-workspace/").status_code == 404


def test_inviting_from_the_members_page(
    client, workspace, owner, django_capture_on_commit_callbacks
):
    client.force_login(owner)
    url = reverse("workspace_invitation_create", kwargs={"slug": workspace.slug})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"email": "ana@example.com", "role": "copywriter"}, follow=True)
    assert "Invitation sent to ana@example.com" in response.content.decode()
    assert Invitation.objects.for_workspace(workspace).get().email == "ana@example.com"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ana@example.com"]


def test_inviting_an_existing_member_shows_a_clear_message(client, workspace, owner):
    member = MembershipFactory(workspace=workspace).user
    client.force_login(owner)
    url = reverse("workspace_invitation_create", kwargs={"slug": workspace.slug})
    response = client.post(url, {"email": member.email, "role": "reviewer"})
    assert response.status_code == 400
    assert f"{member.email} is already a member" in response.content.decode()
    assert not Invitation.objects.for_workspace(workspace).exists()


def test_roles_without_the_right_get_403_and_nothing_changes(client, workspace):
    copywriter = MembershipFactory(workspace=workspace, role="copywriter").user
    victim = MembershipFactory(workspace=workspace, role="reviewer")
    client.force_login(copywriter)
    slug = workspace.slug
    invite = client.post(
        reverse("workspace_invitation_create", kwargs={"slug": slug}),
        {"email": "x@example.com", "role": "admin"},
    )
    role = client.post(
        reverse("workspace_member_role", kwargs={"slug": slug, "member_id": victim.pk}),
        {"role": "admin"},
    )
    remove = client.post(
        reverse("workspace_member_remove", kwargs={"slug": slug, "member_id": victim.pk})
    )
    audit = client.get(reverse("audit_event_list", kwargs={"slug": slug}))
    assert [r.status_code for r in (invite, role, remove, audit)] == [403, 403, 403, 403]
    assert "Your role (Copywriter) may not do this" in role.content.decode()
    victim.refresh_from_db()
    assert victim.role == "reviewer"
    assert not Invitation.objects.for_workspace(workspace).exists()


def test_role_change_through_htmx_swaps_the_row(client, workspace, owner):
    member = MembershipFactory(workspace=workspace, role="copywriter")
    client.force_login(owner)
    url = reverse("workspace_member_role", kwargs={"slug": workspace.slug, "member_id": member.pk})
    response = client.post(url, {"role": "reviewer"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<tr id="member-{member.pk}">')
    assert 'value="reviewer" selected' in html
    assert f"{member.user.email} is now Reviewer" in html  # the message, swapped out of band
    member.refresh_from_db()
    assert member.role == "reviewer"


def test_demoting_the_last_owner_is_refused_with_a_message(client, workspace, owner):
    only = Membership.objects.for_workspace(workspace).get(user=owner)
    other_owner_view = MembershipFactory(workspace=workspace, role="admin").user
    client.force_login(other_owner_view)
    url = reverse("workspace_member_role", kwargs={"slug": workspace.slug, "member_id": only.pk})
    response = client.post(url, {"role": "admin"}, follow=True)
    assert "Only an owner can make or unmake owners" in response.content.decode()
    only.refresh_from_db()
    assert only.role == "owner"


def test_a_post_without_csrf_token_is_refused_and_changes_nothing(workspace, owner):
    member = MembershipFactory(workspace=workspace, role="copywriter")
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(owner)
    url = reverse("workspace_member_role", kwargs={"slug": workspace.slug, "member_id": member.pk})
    response = csrf_client.post(url, {"role": "admin"})
    assert response.status_code == 403
    assert "This form expired or did not come from Atelier" in response.content.decode()
    member.refresh_from_db()
    assert member.role == "copywriter"


def test_sign_in_to_a_workspace_is_audited_once_per_session_with_the_ip(client, workspace, owner):
    client.force_login(owner)
    url = reverse("workspace_dashboard", kwargs={"slug": workspace.slug})
    client.get(url, REMOTE_ADDR="203.0.113.9")
    client.get(url, REMOTE_ADDR="203.0.113.9")
    events = AuditEvent.objects.for_workspace(workspace).filter(action="workspace.sign_in")
    assert [(e.actor, e.ip_address) for e in events] == [(owner, "203.0.113.9")]
    client.logout()
    client.force_login(owner)
    client.get(url)
    assert events.all().count() == 2


# --- accepting invitations ----------------------------------------------------------------------


def test_a_new_person_signs_up_from_the_link_and_joins(client, workspace, owner):
    invitation = InvitationFactory(workspace=workspace, email="newbie@example.com", role="reviewer")
    accept_url = reverse(
        "invitation_accept", kwargs={"token": services.invitation_token(invitation)}
    )
    page = client.get(accept_url)
    assert "Join " + workspace.name in page.content.decode()
    assert "Reviewer" in page.content.decode()
    # The link proved the address: signing up with it needs no second verification e-mail.
    response = client.post(
        reverse("account_signup"),
        {
            "email": "newbie@example.com",
            "password1": "pale-blue-dot-42",
            "password2": "pale-blue-dot-42",
        },
    )
    assert response["Location"] == accept_url
    assert EmailAddress.objects.get(email="newbie@example.com").verified
    response = client.post(accept_url, follow=True)
    assert response.redirect_chain[-1][0] == reverse(
        "workspace_dashboard", kwargs={"slug": workspace.slug}
    )
    assert "You joined as Reviewer" in response.content.decode()
    membership = Membership.objects.for_workspace(workspace).get(user__email="newbie@example.com")
    assert membership.role == "reviewer"


def test_someone_with_an_account_signs_in_from_the_link_and_joins(client, workspace):
    invitee = UserFactory()
    invitation = InvitationFactory(workspace=workspace, email=invitee.email, role="copywriter")
    accept_url = reverse(
        "invitation_accept", kwargs={"token": services.invitation_token(invitation)}
    )
    client.get(accept_url)
    response = client.post(reverse("account_login"), {"login": invitee.email, "password": PASSWORD})
    assert response["Location"] == accept_url
    client.post(accept_url)
    assert Membership.objects.for_workspace(workspace).get(user=invitee).role == "copywriter"


@pytest.mark.parametrize("state", ["expired", "used", "revoked"])
def test_a_dead_link_shows_why(client, workspace, state):
    invitation = InvitationFactory(workspace=workspace)
    if state == "expired":
        invitation.expires_at = timezone.now() - timedelta(seconds=1)
    elif state == "used":
        invitation.accepted_at = timezone.now()
    else:
        invitation.revoked_at = timezone.now()
    invitation.save()
    response = client.get(
        reverse("invitation_accept", kwargs={"token": services.invitation_token(invitation)})
    )
    assert response.status_code == 410
    expected = {"expired": "has expired", "used": "already been used", "revoked": "withdrawn"}
    assert expected[state] in response.content.decode()
    assert Membership.objects.for_workspace(workspace).count() == 0


def test_a_workspace_that_requires_two_factor_sends_members_to_set_it_up(client, workspace):
    workspace.require_mfa = True
    workspace.save()
    member = MembershipFactory(workspace=workspace, role="copywriter").user
    client.force_login(member)
    response = client.get(reverse("workspace_dashboard", kwargs={"slug": workspace.slug}))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def test_the_owners_dashboard_shows_the_plan_and_credits(client, workspace, owner):
    client.force_login(owner)
    html = client.get(reverse("workspace_dashboard", kwargs={"slug": workspace.slug})).content
    html = html.decode()
    assert "Free trial" in html and "300 credits left" in html and "1 of 3 seats used" in html


def test_the_address_help_says_what_an_address_looks_like(client, user):
    client.force_login(user)
    html = client.get(reverse("workspace_list")).content.decode()
    assert "Used in links, as /w/your-address/." in html


def test_the_members_page_says_how_long_an_invitation_link_works(
    client, workspace, owner, settings
):
    settings.INVITATION_MAX_AGE_DAYS = 3
    client.force_login(owner)
    html = client.get(reverse("workspace_members", kwargs={"slug": workspace.slug})).content
    assert "The link works for 3 days" in html.decode()
