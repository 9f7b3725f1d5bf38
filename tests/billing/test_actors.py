"""Who may change billing: the services decide themselves, so a view, a task or a shell get
the same answer, and a refusal changes nothing (no account opened, no Stripe call, no audit)."""

import pytest
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.billing.models import BillingAccount, CreditEntry
from apps.billing.plans import PlanCode
from apps.billing.services import checkout, credits, plan_changes
from apps.core.trail import RequestOrigin
from apps.workspaces.actors import Actor, NotAllowed
from tests.billing.support import balance_of, ledger_sum, set_balance
from tests.factories import UserFactory, actor_for

pytestmark = pytest.mark.django_db

MAY_NOT_MANAGE_BILLING = ["brand_manager", "copywriter", "photo_editor", "reviewer"]


def nothing_changed(workspace) -> bool:
    return (
        not BillingAccount.objects.for_workspace(workspace).exists()
        and not CreditEntry.objects.for_workspace(workspace).exists()
        and not AuditEvent.objects.for_workspace(workspace)
        .filter(action__startswith="billing.")
        .exists()
    )


@pytest.mark.parametrize("role", MAY_NOT_MANAGE_BILLING)
def test_a_member_who_may_not_manage_billing_cannot_choose_a_plan(workspace, role):
    actor = actor_for(workspace, role=role)
    with pytest.raises(NotAllowed, match="may not do this: plans, invoices, payment"):
        plan_changes.billing_plan_select(actor=actor, plan_code=PlanCode.GROWTH)
    assert nothing_changed(workspace)


@pytest.mark.parametrize("role", ["reviewer", "copywriter"])
def test_checkout_and_portal_refuse_before_calling_stripe(workspace, stripe_on, role):
    actor = actor_for(workspace, role=role)
    with pytest.raises(NotAllowed):
        checkout.billing_checkout_start(
            actor=actor, plan_code=PlanCode.GROWTH, return_url="https://a.test/b/"
        )
    with pytest.raises(NotAllowed):
        checkout.billing_portal_start(actor=actor, return_url="https://a.test/b/")
    assert stripe_on.requests == []
    assert nothing_changed(workspace)


def test_an_admin_chooses_a_plan_and_the_trail_names_them_and_where_from(workspace):
    membership = actor_for(workspace, role="admin").membership
    actor = Actor(
        membership=membership, origin=RequestOrigin(ip_address="198.51.100.7", user_agent="UA")
    )
    account = plan_changes.billing_plan_select(actor=actor, plan_code=PlanCode.SCALE)
    assert account.plan == PlanCode.SCALE
    assert balance_of(workspace) == 50_000 == ledger_sum(workspace)
    event = AuditEvent.objects.for_workspace(workspace).get()
    assert (event.action, event.target, event.actor_id) == (
        "billing.plan_changed",
        "Scale",
        membership.user_id,
    )
    assert event.ip_address == "198.51.100.7"
    assert event.details == {"from": "trial", "to": "scale", "by_site_admin": False}


def test_only_site_administrators_adjust_credits(workspace, owner):
    set_balance(workspace, 40)
    entries = CreditEntry.objects.for_workspace(workspace).count()
    trail = AuditEvent.objects.for_workspace(workspace)
    events = trail.count()
    with pytest.raises(NotAllowed, match="Only a site administrator"):
        credits.credits_adjust(
            workspace=workspace, site_admin=owner, credits=1_000, key="self", reason="free credits"
        )
    assert balance_of(workspace) == 40 == ledger_sum(workspace)
    assert CreditEntry.objects.for_workspace(workspace).count() == entries
    assert trail.count() == events

    staff = UserFactory(is_staff=True)
    credits.credits_adjust(
        workspace=workspace, site_admin=staff, credits=10, key="goodwill", reason="Goodwill"
    )
    assert balance_of(workspace) == 50 == ledger_sum(workspace)
    event = trail.get(action="billing.credits_adjusted", actor=staff)
    assert (event.target, event.details) == ("+10 credits", {"reason": "Goodwill"})


def test_only_site_administrators_assign_plans_outside_the_billing_page(workspace, owner):
    with pytest.raises(NotAllowed, match="Only a site administrator"):
        plan_changes.billing_plan_assign(
            workspace=workspace, site_admin=owner, plan_code=PlanCode.UNLIMITED
        )
    assert nothing_changed(workspace)


def test_the_billing_page_button_shows_the_services_refusal(client, workspace, owner, stripe_on):
    """With Stripe on, the self-hosted plan choice is refused by the service; the view
    flashes its message through act() and changes nothing."""
    client.force_login(owner)
    select = reverse("billing_plan_select", kwargs={"slug": workspace.slug})
    page = client.post(select, {"plan": "scale"}, follow=True).content.decode()
    assert "Plans are bought through Stripe on this installation" in page
    assert nothing_changed(workspace)


def test_a_plan_button_without_a_listed_plan_says_so(client, workspace, owner):
    client.force_login(owner)
    for name in ("billing_plan_select", "billing_checkout"):
        response = client.post(
            reverse(name, kwargs={"slug": workspace.slug}), {"plan": "platinum"}, follow=True
        )
        assert "Choose one of the listed plans." in response.content.decode()
    assert nothing_changed(workspace)
