"""Checkout, the customer portal and meter events, through the real ``stripe`` client talking
to a loopback fake (STRIPE_API_BASE → StripeClient(base_addresses=...))."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.billing.errors import StripeUnavailable
from apps.billing.models import BillingAccount, CreditEntry
from apps.billing.plans import PlanCode
from apps.billing.services import accounts, checkout, credits, overage, plan_changes
from apps.core.errors import ServiceError
from tests.billing.support import balance_of, ledger_sum, set_balance
from tests.factories import actor_for

pytestmark = pytest.mark.django_db


def billing_url(workspace):
    return "http://testserver" + reverse("billing_overview", kwargs={"slug": workspace.slug})


def test_checkout_sends_customer_price_urls_and_the_workspace(client, workspace, owner, stripe_on):
    client.force_login(owner)
    response = client.post(
        reverse("billing_checkout", kwargs={"slug": workspace.slug}), {"plan": "growth"}
    )

    assert response.status_code == 303
    assert response["Location"].startswith("https://checkout.stripe.com/c/pay/cs_test_")
    assert [r.path for r in stripe_on.requests] == ["/v1/customers", "/v1/checkout/sessions"]

    customer = stripe_on.sent("/v1/customers")[0]
    assert customer["name"] == workspace.name
    assert customer["email"] == owner.email
    assert customer["metadata[workspace_id]"] == str(workspace.pk)
    assert stripe_on.requests[0].headers["Idempotency-Key"] == (
        f"atelier-customer-workspace-{workspace.pk}"
    )
    assert stripe_on.requests[0].headers["Authorization"] == "Bearer sk_test_fake"

    session = stripe_on.sent("/v1/checkout/sessions")[0]
    account = BillingAccount.objects.for_workspace(workspace).get()
    assert account.stripe_customer_id == "cus_fake1"
    assert session == {
        "mode": "subscription",
        "customer": "cus_fake1",
        "line_items[0][price]": "price_growth",
        "line_items[0][quantity]": "1",
        "line_items[1][price]": "price_overage",  # Growth allows overage: the metered price
        "success_url": billing_url(workspace) + "?checkout=success",
        "cancel_url": billing_url(workspace) + "?checkout=cancelled",
        "client_reference_id": str(workspace.pk),
        "metadata[workspace_id]": str(workspace.pk),
        "metadata[plan]": "growth",
        "subscription_data[metadata][workspace_id]": str(workspace.pk),
        "subscription_data[metadata][plan]": "growth",
    }
    # Checkout changes nothing until Stripe confirms through the webhook.
    assert account.plan == PlanCode.TRIAL


def test_starter_has_no_overage_line_and_reuses_the_customer(workspace, owner, stripe_on):
    accounts.billing_account_ensure(workspace=workspace)
    BillingAccount.objects.for_workspace(workspace).update(stripe_customer_id="cus_known")
    checkout.billing_checkout_start(
        actor=actor_for(workspace, owner), plan_code="starter", return_url="https://a.test/b/"
    )
    assert stripe_on.sent("/v1/customers") == []
    session = stripe_on.sent("/v1/checkout/sessions")[0]
    assert session["customer"] == "cus_known"
    assert session["line_items[0][price]"] == "price_starter"
    assert "line_items[1][price]" not in session


def test_changing_plan_with_a_live_subscription_opens_the_portal_confirmation(
    client, workspace, owner, subscribed
):
    subscribed("starter")
    client.force_login(owner)
    response = client.post(
        reverse("billing_checkout", kwargs={"slug": workspace.slug}), {"plan": "scale"}
    )
    assert response.status_code == 303
    assert response["Location"].startswith("https://billing.stripe.com/p/session/")
    # The plan itself changes when Stripe's subscription event arrives, not here.
    assert BillingAccount.objects.for_workspace(workspace).get().plan == PlanCode.STARTER


def test_portal_session_parameters(client, workspace, owner, subscribed, stripe_on):
    subscribed("starter")
    client.force_login(owner)
    response = client.post(reverse("billing_portal", kwargs={"slug": workspace.slug}))
    assert response.status_code == 303
    assert response["Location"].startswith("https://billing.stripe.com/p/session/")
    assert stripe_on.sent("/v1/billing_portal/sessions") == [
        {"customer": "cus_live", "return_url": billing_url(workspace)}
    ]


def test_plan_change_portal_flow_names_the_subscription_item_and_price(
    workspace, owner, subscribed, stripe_on
):
    subscribed("starter")
    checkout.billing_checkout_start(
        actor=actor_for(workspace, owner), plan_code="scale", return_url="https://a.test/b/"
    )
    assert stripe_on.sent("/v1/checkout/sessions") == []
    sent = stripe_on.sent("/v1/billing_portal/sessions")[0]
    prefix = "flow_data[subscription_update_confirm]"
    assert sent["customer"] == "cus_live"
    assert sent["flow_data[type]"] == "subscription_update_confirm"
    assert sent[f"{prefix}[subscription]"] == "sub_live"
    assert sent[f"{prefix}[items][0][id]"] == "si_sub_live"
    assert sent[f"{prefix}[items][0][price]"] == "price_scale"


def test_portal_without_a_customer_is_refused_without_calling_stripe(workspace, owner, stripe_on):
    with pytest.raises(ServiceError, match="choose a plan first"):
        checkout.billing_portal_start(actor=actor_for(workspace, owner), return_url="https://a/")
    assert stripe_on.requests == []


def test_stripe_failing_is_a_plain_message_and_nothing_changes(client, workspace, owner, stripe_on):
    stripe_on.fail["/v1/customers"] = 500
    client.force_login(owner)
    response = client.post(
        reverse("billing_checkout", kwargs={"slug": workspace.slug}),
        {"plan": "growth"},
        follow=True,
    )
    assert "Stripe could not set up the customer just now" in response.content.decode()
    assert BillingAccount.objects.for_workspace(workspace).get().stripe_customer_id == ""
    assert stripe_on.sent("/v1/checkout/sessions") == []


def test_a_plan_without_a_price_is_not_sold(workspace, owner, stripe_on, settings):
    settings.STRIPE_PRICE_SCALE = ""
    with pytest.raises(ServiceError, match="STRIPE_PRICE_SCALE is not set"):
        checkout.billing_checkout_start(
            actor=actor_for(workspace, owner), plan_code="scale", return_url="https://a/"
        )
    with pytest.raises(ServiceError, match="not a plan you can subscribe to"):
        checkout.billing_checkout_start(
            actor=actor_for(workspace, owner), plan_code="unlimited", return_url="https://a/"
        )
    assert stripe_on.requests == []


def test_overage_is_reported_to_the_meter_after_commit_and_withdrawn_on_refund(
    workspace, subscribed, stripe_on, django_capture_on_commit_callbacks
):
    subscribed("growth", balance=2)
    with django_capture_on_commit_callbacks(execute=True):
        reservation = credits.credits_reserve(
            workspace=workspace, key="img-1", kind="image_operation"
        )
        assert (reservation.from_balance, reservation.overage) == (2, 3)
        assert stripe_on.requests == []  # nothing is billed for a mere reservation
        credits.credits_settle(workspace=workspace, key="img-1")
        assert stripe_on.requests == []  # ... nor before the transaction commits
    entry = CreditEntry.objects.for_workspace(workspace).get(key="work:img-1")
    assert stripe_on.sent("/v1/billing/meter_events") == [
        {
            "event_name": "atelier_credits",
            "identifier": f"atelier-{workspace.pk}-{entry.pk}",
            "timestamp": str(int(entry.settled_at.timestamp())),
            "payload[stripe_customer_id]": "cus_live",
            "payload[value]": "3",
        }
    ]
    assert entry.overage_reported_at is not None
    assert balance_of(workspace) == 0 == ledger_sum(workspace)

    # Reporting again (a redelivered task) sends nothing.
    assert not overage.credits_report_overage(workspace_id=workspace.pk, entry_id=entry.pk)

    with django_capture_on_commit_callbacks(execute=True):
        credits.credits_refund(workspace=workspace, key="img-1", reason="failed")
    assert stripe_on.sent("/v1/billing/meter_event_adjustments") == [
        {
            "event_name": "atelier_credits",
            "type": "cancel",
            "cancel[identifier]": f"atelier-{workspace.pk}-{entry.pk}",
        }
    ]
    assert balance_of(workspace) == 2 == ledger_sum(workspace)


def test_no_overage_without_a_plan_that_allows_it(workspace, subscribed, stripe_on):
    subscribed("starter", balance=2)
    with pytest.raises(Exception, match="Not enough credits"):
        credits.credits_reserve(workspace=workspace, key="img-1", kind="image_operation")
    assert stripe_on.requests == []
    assert balance_of(workspace) == 2


def test_no_overage_without_the_metered_price_on_the_subscription(
    workspace, subscribed, stripe_on, settings
):
    settings.STRIPE_PRICE_OVERAGE = ""
    subscribed("growth", balance=2)
    with pytest.raises(Exception, match="Not enough credits"):
        credits.credits_reserve(workspace=workspace, key="img-1", kind="image_operation")
    assert stripe_on.sent("/v1/billing/meter_events") == []
    assert balance_of(workspace) == 2


def test_a_failed_meter_report_is_retried_by_the_sweep(workspace, subscribed, stripe_on):
    subscribed("growth", balance=0)
    stripe_on.fail["/v1/billing/meter_events"] = 500
    credits.credits_reserve(workspace=workspace, key="c1", kind="copy_variant")
    credits.credits_settle(workspace=workspace, key="c1")  # its on-commit report is lost
    entry = CreditEntry.objects.for_workspace(workspace).get(key="work:c1")
    with pytest.raises(StripeUnavailable):
        overage.credits_report_overage(workspace_id=workspace.pk, entry_id=entry.pk)
    CreditEntry.objects.for_workspace(workspace).filter(pk=entry.pk).update(
        settled_at=timezone.now() - timedelta(hours=1)
    )
    del stripe_on.fail["/v1/billing/meter_events"]
    assert overage.credits_report_pending_overage() == 1
    assert len(stripe_on.sent("/v1/billing/meter_events")) >= 1
    entry.refresh_from_db()
    assert entry.overage_reported_at is not None


def test_self_hosted_never_calls_stripe(workspace, owner, fake_stripe):
    set_balance(workspace, 0)
    plan_changes.billing_plan_select(actor=actor_for(workspace, owner), plan_code="growth")
    for n in range(3):
        credits.credits_charge(workspace=workspace, key=f"k{n}", kind="copy_variant")
    assert fake_stripe.requests == []


def test_the_tests_cannot_reach_stripe_itself(workspace, owner, stripe_on, settings):
    settings.STRIPE_API_BASE = ""  # Stripe's real address
    with pytest.raises(StripeUnavailable):
        checkout.billing_checkout_start(
            actor=actor_for(workspace, owner), plan_code="growth", return_url="https://a/"
        )
    assert stripe_on.requests == []
