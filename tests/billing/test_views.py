"""Billing pages: who may see them, what they show, self-hosted plan choice, the banner."""

import json
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.billing.errors import OutOfCredits
from apps.billing.http import payment_required, payment_required_on_refusal
from apps.billing.models import BillingAccount, CreditEntry, SubscriptionStatus
from apps.billing.plans import PlanCode
from apps.billing.services import accounts, credits
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

PAGES = ["billing_overview", "billing_checkout", "billing_portal", "billing_plan_select"]


def url(name, workspace):
    return reverse(name, kwargs={"slug": workspace.slug})


def assert_csp_clean(html: str) -> None:
    """The CSP allows no inline styles or scripts: the page (chart included) uses none."""
    assert not re.search(r"\sstyle\s*=", html)
    assert not re.search(r"<script(?![^>]*\ssrc=)", html)
    assert " hx-on" not in html


def test_owner_sees_plan_seats_credits_and_the_chart(client, workspace, owner):
    credits.credits_charge(workspace=workspace, key="a", kind="image_operation", units=2)
    credits.credits_charge(workspace=workspace, key="b", kind="copy_variant", units=3)
    client.force_login(owner)
    response = client.get(url("billing_overview", workspace))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="billing-plan">Free trial<' in html
    assert 'data-testid="billing-seats">1 / 3<' in html
    assert 'data-testid="billing-credits">287 left<' in html
    assert "13 used of 300" in html
    assert 'data-testid="usage-chart"' in html
    assert 'class="usage-bar usage-kind-image-operation"' in html
    assert "Image operation: 10" in html and "Copy variant: 3" in html
    assert "self-hosted mode" in html
    # Self-hosted: plan buttons post to the plan choice, never to a checkout.
    assert url("billing_plan_select", workspace) in html
    assert url("billing_checkout", workspace) not in html
    assert_csp_clean(html)


def test_admin_may_open_billing(client, workspace):
    admin = MembershipFactory(workspace=workspace, role="admin").user
    client.force_login(admin)
    assert client.get(url("billing_overview", workspace)).status_code == 200


@pytest.mark.parametrize("role", ["brand_manager", "copywriter", "photo_editor", "reviewer"])
@pytest.mark.parametrize("name", PAGES)
def test_roles_without_manage_billing_get_403(client, workspace, role, name):
    member = MembershipFactory(workspace=workspace, role=role).user
    client.force_login(member)
    method = client.get if name == "billing_overview" else client.post
    assert method(url(name, workspace), {"plan": "growth"}).status_code == 403
    account = BillingAccount.objects.for_workspace(workspace).first()
    assert account is None or account.plan == PlanCode.TRIAL


@pytest.mark.parametrize("name", [*PAGES, "billing_pricing"])
def test_another_workspace_gets_404(client, workspace, owner, stranger, name):
    client.force_login(stranger)
    assert client.get(url(name, workspace)).status_code == 404
    assert client.post(url(name, workspace), {"plan": "growth"}).status_code == 404
    assert not BillingAccount.objects.for_workspace(workspace).exists()


def test_every_member_may_read_the_pricing_page(client, workspace):
    reviewer = MembershipFactory(workspace=workspace, role="reviewer").user
    client.force_login(reviewer)
    response = client.get(url("billing_pricing", workspace))
    assert response.status_code == 200
    html = response.content.decode()
    for name in ("Free trial", "Starter", "Growth", "Scale", "Unlimited"):
        assert name in html
    assert "2,000 credits a month" in html and "Image operation" in html
    assert "<form" not in html.split("</nav>")[-1]  # no buttons for a reviewer
    assert_csp_clean(html)


def test_self_hosted_owner_picks_a_plan(client, workspace, owner):
    client.force_login(owner)
    response = client.post(url("billing_plan_select", workspace), {"plan": "growth"})
    assert response.status_code == 302
    account = BillingAccount.objects.for_workspace(workspace).get()
    assert (account.plan, account.status, account.credit_balance) == (
        PlanCode.GROWTH,
        SubscriptionStatus.ACTIVE,
        10_000,
    )
    keys = set(CreditEntry.objects.for_workspace(workspace).values_list("entry_type", flat=True))
    assert keys == {"grant", "lapse"}  # the trial's credits lapsed, Growth's were granted


def test_self_hosted_owner_cannot_pick_the_trial_again(client, workspace, owner):
    client.force_login(owner)
    client.post(url("billing_plan_select", workspace), {"plan": "trial"})
    assert not BillingAccount.objects.for_workspace(workspace).exists()


def test_self_hosted_checkout_is_refused_plainly(client, workspace, owner):
    client.force_login(owner)
    response = client.post(url("billing_checkout", workspace), {"plan": "growth"}, follow=True)
    assert "self-hosted mode" in response.content.decode()
    assert not BillingAccount.objects.for_workspace(workspace).exists()


def test_with_stripe_the_page_offers_checkout_not_a_plan_choice(
    client, workspace, owner, stripe_on
):
    client.force_login(owner)
    html = client.get(url("billing_overview", workspace)).content.decode()
    assert url("billing_checkout", workspace) in html
    assert url("billing_plan_select", workspace) not in html
    assert "self-hosted mode" not in html
    assert "Subscribe to Growth" in html
    # Nothing was sent to Stripe just to show the page.
    assert stripe_on.requests == []


def test_owner_may_not_pick_a_plan_when_stripe_bills(client, workspace, owner, stripe_on):
    client.force_login(owner)
    client.post(url("billing_plan_select", workspace), {"plan": "scale"})
    assert not BillingAccount.objects.for_workspace(workspace).filter(plan="scale").exists()


def test_banner_shows_past_due_with_the_grace_period(client, workspace, owner):
    accounts.billing_account_ensure(workspace=workspace)
    BillingAccount.objects.for_workspace(workspace).update(
        plan=PlanCode.STARTER,
        status=SubscriptionStatus.PAST_DUE,
        past_due_since=timezone.now() - timedelta(days=1),
    )
    reviewer = MembershipFactory(workspace=workspace, role="reviewer").user
    client.force_login(reviewer)
    html = client.get(reverse("workspace_dashboard", kwargs={"slug": workspace.slug})).content
    html = html.decode()
    assert 'data-testid="billing-banner"' in html
    assert "A payment for" in html and "failed" in html
    assert url("billing_overview", workspace) not in html  # the link is for billing managers
    client.force_login(owner)
    html = client.get(reverse("workspace_dashboard", kwargs={"slug": workspace.slug})).content
    assert url("billing_overview", workspace) in html.decode()


def test_cancelled_workspace_keeps_read_access(client, workspace, owner):
    accounts.billing_account_ensure(workspace=workspace)
    BillingAccount.objects.for_workspace(workspace).update(
        plan=PlanCode.STARTER, status=SubscriptionStatus.CANCELED
    )
    client.force_login(owner)
    response = client.get(reverse("workspace_dashboard", kwargs={"slug": workspace.slug}))
    assert response.status_code == 200
    assert "subscription was cancelled" in response.content.decode()
    assert client.get(url("billing_overview", workspace)).status_code == 200


def test_no_banner_on_a_healthy_plan(client, workspace, owner):
    client.force_login(owner)
    html = client.get(reverse("workspace_dashboard", kwargs={"slug": workspace.slug})).content
    assert b'data-testid="billing-banner"' not in html


def test_checkout_return_shows_a_message_once(client, workspace, owner):
    client.force_login(owner)
    response = client.get(url("billing_overview", workspace) + "?checkout=success", follow=True)
    assert "applies as soon as Stripe confirms" in response.content.decode()


def test_out_of_credits_answers_402_for_api_clients(rf, workspace):
    @payment_required_on_refusal
    def api_view(request):
        raise OutOfCredits("No credits left.", upgrade_url="/w/acme/billing/plans/")

    response = api_view(rf.post("/api/generate"))
    assert response.status_code == 402
    assert json.loads(response.content) == {
        "error": "out_of_credits",
        "message": "No credits left.",
        "upgrade_url": "http://testserver/w/acme/billing/plans/",
    }
    assert payment_required(OutOfCredits("x")).status_code == 402


def test_pricing_with_stripe_shows_prices_and_checkout_buttons(client, workspace, owner, stripe_on):
    client.force_login(owner)
    html = client.get(url("billing_pricing", workspace)).content.decode()
    assert "$49" in html and "$199" in html and "$799" in html
    assert html.count(url("billing_checkout", workspace)) == 3  # Starter, Growth, Scale
    assert "Unlimited" not in html  # never sold through Checkout
    assert "self-hosted mode" not in html
    assert_csp_clean(html)


def test_ledger_lists_work_by_kind(client, workspace, owner):
    credits.credits_charge(workspace=workspace, key="item-9", kind="image_operation", units=2)
    client.force_login(owner)
    html = client.get(url("billing_overview", workspace)).content.decode()
    assert "Work: image operation × 2" in html
    assert "-10" in html
