"""Seats: invitations beyond the plan's seats are refused with an upgrade prompt."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.billing.errors import SeatLimitReached
from apps.billing.plans import PlanCode
from apps.billing.services import plan_changes, seats
from apps.workspaces import services as workspace_services
from apps.workspaces.models import Invitation
from tests.factories import InvitationFactory, MembershipFactory, actor_for

pytestmark = pytest.mark.django_db


def invite(workspace, owner, email):
    return workspace_services.invitation_create(
        actor=actor_for(workspace, owner),
        email=email,
        role="copywriter",
        base_url="http://testserver/",
    )


def test_trial_seats_count_members_and_open_invitations(workspace, owner):
    # The trial has 3 seats: the owner and two invitations fill them.
    invite(workspace, owner, "a@example.com")
    invite(workspace, owner, "b@example.com")
    mail.outbox.clear()
    audit_before = AuditEvent.objects.for_workspace(workspace).count()

    with pytest.raises(SeatLimitReached) as refusal:
        invite(workspace, owner, "c@example.com")

    message = refusal.value.message
    assert "The Free trial plan includes 3 seats and all are taken" in message
    assert "(1 member, 2 open invitations). Withdraw an open invitation, or upgrade" in message
    # The plans page is a link beside the message, never its text.
    assert "/billing/plans/" not in message
    assert refusal.value.upgrade_url == f"/w/{workspace.slug}/billing/plans/"
    assert refusal.value.fix_url == refusal.value.upgrade_url
    # Nothing happened: no invitation, no audit event, no e-mail.
    assert not Invitation.objects.for_workspace(workspace).filter(email="c@example.com").exists()
    assert AuditEvent.objects.for_workspace(workspace).count() == audit_before
    assert mail.outbox == []


def test_sending_an_open_invitation_again_takes_no_new_seat(workspace, owner):
    invite(workspace, owner, "a@example.com")
    invite(workspace, owner, "b@example.com")
    invite(workspace, owner, "B@example.com")  # re-sent, not a new seat
    assert Invitation.objects.for_workspace(workspace).count() == 2


def test_expired_and_revoked_invitations_free_their_seat(workspace, owner):
    InvitationFactory(workspace=workspace, expires_at=timezone.now() - timedelta(days=1))
    InvitationFactory(workspace=workspace, revoked_at=timezone.now())
    MembershipFactory(workspace=workspace)
    invite(workspace, owner, "a@example.com")  # 2 members + 1 open = 3
    with pytest.raises(SeatLimitReached):
        invite(workspace, owner, "b@example.com")


def test_a_bigger_plan_has_more_seats_and_unlimited_has_no_limit(workspace, owner):
    for n in range(2):
        invite(workspace, owner, f"t{n}@example.com")
    plan_changes.billing_plan_select(actor=actor_for(workspace, owner), plan_code=PlanCode.GROWTH)
    for n in range(7):
        invite(workspace, owner, f"g{n}@example.com")
    with pytest.raises(SeatLimitReached, match="Growth plan includes 10 seats"):
        invite(workspace, owner, "one-more@example.com")
    plan_changes.billing_plan_select(
        actor=actor_for(workspace, owner), plan_code=PlanCode.UNLIMITED
    )
    invite(workspace, owner, "one-more@example.com")
    seats.seats_check_can_invite(workspace=workspace)


def test_the_members_page_shows_the_refusal(client, workspace, owner):
    invite(workspace, owner, "a@example.com")
    invite(workspace, owner, "b@example.com")
    client.force_login(owner)
    response = client.post(
        reverse("workspace_invitation_create", kwargs={"slug": workspace.slug}),
        {"email": "c@example.com", "role": "copywriter"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "all are taken" in page
    assert (
        f'href="/w/{workspace.slug}/billing/plans/" data-testid="refusal-fix">See the plans' in page
    )
    assert Invitation.objects.for_workspace(workspace).count() == 2


def test_a_full_workspace_without_invitations_is_not_told_to_withdraw_one(workspace, owner):
    MembershipFactory(workspace=workspace)
    MembershipFactory(workspace=workspace)  # 3 members on the 3-seat trial, nobody invited
    with pytest.raises(SeatLimitReached) as refusal:
        invite(workspace, owner, "d@example.com")
    assert refusal.value.message == (
        "The Free trial plan includes 3 seats and all are taken (3 members). "
        "Upgrade for more seats."
    )
