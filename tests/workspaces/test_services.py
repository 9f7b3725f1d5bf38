import re
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.core.errors import ServiceError
from apps.workspaces import selectors, services
from apps.workspaces.actors import NotAllowed
from apps.workspaces.models import Invitation, Membership, Workspace
from tests.factories import InvitationFactory, MembershipFactory, UserFactory, actor_for

pytestmark = pytest.mark.django_db


def audit_actions(workspace):
    return list(
        AuditEvent.objects.for_workspace(workspace).order_by("id").values_list("action", flat=True)
    )


def invite(workspace, user, email="new@example.com", role="copywriter"):
    return services.invitation_create(
        actor=actor_for(workspace, user), email=email, role=role, base_url="http://testserver/"
    )


def token_from_mail(message) -> str:
    return re.search(r"/invitations/([^/\s]+)/", message.body).group(1)


# --- workspaces -------------------------------------------------------------------------------


def test_creating_a_workspace_makes_the_creator_its_owner(user):
    workspace = services.workspace_create(user=user, name="Northwind Apparel")
    assert workspace.slug == "northwind-apparel"
    membership = Membership.objects.for_workspace(workspace).get()
    assert (membership.user, membership.role) == (user, "owner")
    assert audit_actions(workspace) == ["workspace.created"]


def test_a_duplicate_slug_is_refused_and_nothing_is_saved(user):
    services.workspace_create(user=user, name="Northwind")
    other = UserFactory()
    with pytest.raises(ServiceError, match="“northwind” is already taken") as refused:
        services.workspace_create(user=other, name="Something else", slug="northwind")
    assert refused.value.field == "slug"
    assert Workspace.objects.count() == 1
    assert not Membership.objects.all_workspaces().filter(user=other).exists()


@pytest.mark.parametrize(
    ("name", "slug", "message"),
    [("  ", "", "Give the workspace a name"), ("Ok", "admin", "reserved"), ("!!!", "", "letter")],
)
def test_bad_workspace_input_is_refused(user, name, slug, message):
    with pytest.raises(ServiceError, match=message):
        services.workspace_create(user=user, name=name, slug=slug)
    assert Workspace.objects.count() == 0


# --- invitations -------------------------------------------------------------------------------


def test_an_invitation_is_emailed_with_a_signed_link(
    workspace, owner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invite(workspace, owner, email="New@Example.com", role="reviewer")
    assert invitation.email == "new@example.com"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new@example.com"]
    assert workspace.name in message.subject and "Reviewer" in message.subject
    assert services.invitation_from_token(token_from_mail(message)) == invitation
    invitation.refresh_from_db()
    assert invitation.sent_at is not None
    assert audit_actions(workspace) == ["invitation.sent"]


def test_the_email_task_sends_once_even_if_delivered_twice(workspace, owner):
    invitation = InvitationFactory(workspace=workspace, invited_by=owner)
    args = {"workspace_id": workspace.pk, "invitation_id": invitation.pk, "base_url": "http://x/"}
    assert services.invitation_send_email(**args) is True
    assert services.invitation_send_email(**args) is False
    assert len(mail.outbox) == 1


def test_inviting_an_existing_member_is_refused(workspace, owner):
    member = MembershipFactory(workspace=workspace, role="copywriter").user
    with pytest.raises(ServiceError, match=f"{member.email} is already a member"):
        invite(workspace, owner, email=member.email.upper())
    assert Invitation.objects.for_workspace(workspace).count() == 0
    assert mail.outbox == []
    assert audit_actions(workspace) == []


def test_inviting_again_resends_and_voids_the_old_link(
    workspace, owner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = invite(workspace, owner)
    old_token = token_from_mail(mail.outbox[0])
    with django_capture_on_commit_callbacks(execute=True):
        second = invite(workspace, owner, role="photo_editor")
    assert second.pk == first.pk
    assert second.role == "photo_editor"
    assert len(mail.outbox) == 2
    with pytest.raises(ServiceError, match="replaced by a newer one"):
        services.invitation_from_token(old_token)
    assert services.invitation_from_token(token_from_mail(mail.outbox[1])) == second
    assert audit_actions(workspace) == ["invitation.sent", "invitation.resent"]


def test_only_owners_invite_owners(workspace):
    admin = MembershipFactory(workspace=workspace, role="admin").user
    with pytest.raises(ServiceError, match="Only an owner can invite another owner"):
        invite(workspace, admin, role="owner")
    assert Invitation.objects.for_workspace(workspace).count() == 0


def test_accepting_makes_a_member_with_the_invited_role(
    workspace, owner, heard_events, django_capture_on_commit_callbacks
):
    invitation = InvitationFactory(workspace=workspace, role="photo_editor", invited_by=owner)
    invitee = UserFactory(email=invitation.email)
    with django_capture_on_commit_callbacks(execute=True):
        membership = services.invitation_accept(
            token=services.invitation_token(invitation), user=invitee
        )
    assert (membership.workspace, membership.user, membership.role) == (
        workspace,
        invitee,
        "photo_editor",
    )
    invitation.refresh_from_db()
    assert invitation.accepted_by == invitee and invitation.accepted_at
    assert audit_actions(workspace) == ["invitation.accepted"]
    (told,) = heard_events
    assert (told.name, told.payload["invited_by_id"], told.actor_user_id) == (
        "invitation.accepted",
        owner.pk,
        invitee.pk,
    )


def test_a_used_invitation_cannot_be_used_again(workspace):
    invitation = InvitationFactory(workspace=workspace)
    invitee = UserFactory(email=invitation.email)
    token = services.invitation_token(invitation)
    services.invitation_accept(token=token, user=invitee)
    with pytest.raises(ServiceError, match="already been used"):
        services.invitation_accept(token=token, user=invitee)
    assert Membership.objects.for_workspace(workspace).filter(user=invitee).count() == 1


def test_an_expired_invitation_is_refused(workspace):
    invitation = InvitationFactory(
        workspace=workspace, expires_at=timezone.now() - timedelta(minutes=1)
    )
    invitee = UserFactory(email=invitation.email)
    with pytest.raises(ServiceError, match="expired") as refused:
        services.invitation_accept(token=services.invitation_token(invitation), user=invitee)
    assert refused.value.code == "expired"
    assert not Membership.objects.for_workspace(workspace).filter(user=invitee).exists()


def test_a_link_older_than_the_signature_age_is_refused(workspace, monkeypatch, settings):
    invitation = InvitationFactory(workspace=workspace)
    token = services.invitation_token(invitation)
    later = time.time() + (settings.INVITATION_MAX_AGE_DAYS + 1) * 86400
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)
    with pytest.raises(ServiceError, match="expired"):
        services.invitation_from_token(token)


@pytest.mark.parametrize("mangle", [lambda t: t[:-2] + "xx", lambda t: "garbage", lambda t: t[1:]])
def test_a_tampered_link_is_refused(workspace, mangle):
    invitation = InvitationFactory(workspace=workspace)
    with pytest.raises(ServiceError, match="not valid"):
        services.invitation_from_token(mangle(services.invitation_token(invitation)))


def test_a_revoked_invitation_is_refused(workspace, owner):
    invitation = InvitationFactory(workspace=workspace)
    token = services.invitation_token(invitation)
    services.invitation_revoke(actor=actor_for(workspace, owner), invitation_id=invitation.pk)
    with pytest.raises(ServiceError, match="withdrawn"):
        services.invitation_from_token(token)
    assert audit_actions(workspace) == ["invitation.revoked"]


def test_someone_else_cannot_accept_an_invitation_meant_for_another_address(workspace):
    invitation = InvitationFactory(workspace=workspace, email="meant@example.com")
    intruder = UserFactory(email="intruder@example.com")
    with pytest.raises(ServiceError, match=re.escape("sent to meant@example.com")):
        services.invitation_accept(token=services.invitation_token(invitation), user=intruder)
    invitation.refresh_from_db()
    assert invitation.accepted_at is None
    assert not Membership.objects.for_workspace(workspace).filter(user=intruder).exists()


# --- roles and removal -------------------------------------------------------------------------


def test_an_admin_changes_a_members_role(workspace):
    admin = MembershipFactory(workspace=workspace, role="admin").user
    member = MembershipFactory(workspace=workspace, role="copywriter")
    services.membership_change_role(
        actor=actor_for(workspace, admin),
        membership_id=member.pk,
        role="reviewer",
    )
    member.refresh_from_db()
    assert member.role == "reviewer"
    event = AuditEvent.objects.for_workspace(workspace).get()
    assert (event.action, event.details) == (
        "member.role_changed",
        {"from": "copywriter", "to": "reviewer"},
    )


def test_the_last_owner_cannot_be_demoted(workspace):
    only_owner = MembershipFactory(workspace=workspace, role="owner")
    with pytest.raises(ServiceError, match="last owner"):
        services.membership_change_role(
            actor=actor_for(workspace, only_owner.user),
            membership_id=only_owner.pk,
            role="admin",
        )
    only_owner.refresh_from_db()
    assert only_owner.role == "owner"
    assert audit_actions(workspace) == []


def test_the_last_owner_cannot_be_removed_or_leave(workspace):
    only_owner = MembershipFactory(workspace=workspace, role="owner")
    with pytest.raises(ServiceError, match="last owner"):
        services.membership_remove(
            actor=actor_for(workspace, only_owner.user),
            membership_id=only_owner.pk,
        )
    assert Membership.objects.for_workspace(workspace).count() == 1


def test_with_two_owners_one_may_step_down(workspace):
    first = MembershipFactory(workspace=workspace, role="owner")
    MembershipFactory(workspace=workspace, role="owner")
    services.membership_change_role(
        actor=actor_for(workspace, first.user),
        membership_id=first.pk,
        role="admin",
    )
    first.refresh_from_db()
    assert first.role == "admin"


def test_admins_cannot_touch_owners(workspace):
    owner = MembershipFactory(workspace=workspace, role="owner")
    MembershipFactory(workspace=workspace, role="owner")
    admin = MembershipFactory(workspace=workspace, role="admin")
    member = MembershipFactory(workspace=workspace, role="copywriter")
    for call in (
        lambda: services.membership_change_role(
            actor=actor_for(workspace, admin.user),
            membership_id=owner.pk,
            role="reviewer",
        ),
        lambda: services.membership_change_role(
            actor=actor_for(workspace, admin.user),
            membership_id=member.pk,
            role="owner",
        ),
        lambda: services.membership_remove(
            actor=actor_for(workspace, admin.user), membership_id=owner.pk
        ),
    ):
        with pytest.raises(ServiceError, match="Only an owner"):
            call()
    owner.refresh_from_db()
    member.refresh_from_db()
    assert (owner.role, member.role) == ("owner", "copywriter")
    assert audit_actions(workspace) == []


def test_removing_a_member_is_recorded(workspace, owner):
    member = MembershipFactory(workspace=workspace, role="reviewer")
    services.membership_remove(actor=actor_for(workspace, owner), membership_id=member.pk)
    assert not Membership.objects.for_workspace(workspace).filter(pk=member.pk).exists()
    event = AuditEvent.objects.for_workspace(workspace).get()
    assert (event.action, event.target, event.actor) == (
        "member.removed",
        member.user.email,
        owner,
    )


def test_a_member_may_leave(workspace, owner):
    member = MembershipFactory(workspace=workspace, role="reviewer")
    services.membership_remove(actor=actor_for(workspace, member.user), membership_id=member.pk)
    assert audit_actions(workspace) == ["member.left"]


def test_requiring_two_factor_needs_it_on_the_owners_own_account(workspace, owner):
    with pytest.raises(ServiceError, match="Set up two-factor sign-in for your own account"):
        services.workspace_update(
            actor=actor_for(workspace, owner), name=workspace.name, require_mfa=True
        )
    workspace.refresh_from_db()
    assert workspace.require_mfa is False


# --- the acting member --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["brand_manager", "copywriter", "photo_editor", "reviewer"])
def test_services_refuse_an_actor_whose_role_may_not(workspace, role):
    """The service itself checks the actor, whoever calls it (a view, a task, a shell)."""
    actor = actor_for(workspace, role=role)
    victim = MembershipFactory(workspace=workspace, role="copywriter")
    calls = [
        lambda: services.invitation_create(
            actor=actor, email="x@example.com", role="copywriter", base_url="http://t/"
        ),
        lambda: services.membership_change_role(actor=actor, membership_id=victim.pk, role="admin"),
        lambda: services.membership_remove(actor=actor, membership_id=victim.pk),
        lambda: services.workspace_update(actor=actor, name="Renamed", require_mfa=False),
    ]
    for call in calls:
        with pytest.raises(NotAllowed):
            call()
    victim.refresh_from_db()
    workspace.refresh_from_db()
    assert victim.role == "copywriter" and workspace.name != "Renamed"
    assert not Invitation.objects.for_workspace(workspace).exists()
    assert audit_actions(workspace) == []


def test_a_service_cannot_reach_a_member_of_another_workspace(workspace, other_workspace):
    actor = actor_for(workspace, role="owner")
    outsider = MembershipFactory(workspace=other_workspace, role="copywriter")
    with pytest.raises(ServiceError, match="no longer a member") as refused:
        services.membership_change_role(actor=actor, membership_id=outsider.pk, role="admin")
    assert refused.value.code == "not_found"
    outsider.refresh_from_db()
    assert outsider.role == "copywriter"


def test_the_member_list_says_who_may_change_whose_role(workspace):
    owner = actor_for(workspace, role="owner")
    admin = actor_for(workspace, role="admin")
    copywriter = MembershipFactory(workspace=workspace, role="copywriter")

    def rows(actor):
        return {row.member.pk: row for row in selectors.member_rows(actor=actor)}

    by_admin = rows(admin)
    assert by_admin[owner.membership.pk].may_change_role is False  # admins never touch owners
    assert by_admin[copywriter.pk].may_change_role is True
    assert "owner" not in dict(by_admin[copywriter.pk].role_choices)
    assert by_admin[admin.membership.pk].is_you and not by_admin[admin.membership.pk].may_remove
    by_owner = rows(owner)
    assert by_owner[admin.membership.pk].may_remove is True
    assert "owner" in dict(by_owner[copywriter.pk].role_choices)
    by_copywriter = rows(actor_for(workspace, copywriter.user))
    assert not any(row.may_change_role or row.may_remove for row in by_copywriter.values())
