"""Stripe webhooks: signatures, replays, duplicates, order, and all-or-nothing handling."""

import json
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.billing.errors import BillingInactive
from apps.billing.models import (
    BillingAccount,
    CreditEntry,
    Invoice,
    StripeEvent,
    SubscriptionStatus,
)
from apps.billing.plans import PlanCode
from apps.billing.services import accounts, credits, webhooks
from tests.billing.support import (
    balance_of,
    invoice_obj,
    ledger_sum,
    make_event,
    sign,
    subscription_obj,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(workspace, stripe_on):
    """The workspace as Checkout leaves it: a Stripe customer, still on the trial."""
    account = accounts.billing_account_ensure(workspace=workspace)
    BillingAccount.objects.for_workspace(workspace).filter(pk=account.pk).update(
        stripe_customer_id="cus_A"
    )
    return "cus_A"


def account_of(workspace) -> BillingAccount:
    return BillingAccount.objects.for_workspace(workspace).get()


def snapshot(workspace) -> tuple:
    """Everything a webhook may change, to prove that a refused one changed nothing."""
    account = account_of(workspace)
    return (
        account.plan,
        account.status,
        account.credit_balance,
        account.stripe_subscription_id,
        account.stripe_state_at,
        CreditEntry.objects.for_workspace(workspace).count(),
        Invoice.objects.for_workspace(workspace).count(),
        StripeEvent.objects.count(),
    )


# --- Signatures ---------------------------------------------------------------------------------


def test_a_signed_event_is_applied(workspace, customer, post_event):
    event = make_event(
        "customer.subscription.created", subscription_obj(customer=customer, price="price_growth")
    )
    response = post_event(event)
    assert response.status_code == 200
    assert json.loads(response.content) == {"received": True, "outcome": "applied"}
    account = account_of(workspace)
    assert (account.plan, account.status, account.stripe_subscription_id) == (
        PlanCode.GROWTH,
        SubscriptionStatus.ACTIVE,
        "sub_1",
    )
    assert account.stripe_subscription_item_id == "si_sub_1"
    assert int(account.current_period_end.timestamp()) == 1_782_592_000
    assert StripeEvent.objects.get(event_id=event["id"]).workspace_id == workspace.pk


def test_a_forged_signature_is_refused_and_changes_nothing(workspace, customer, post_event):
    before = snapshot(workspace)
    event = make_event("customer.subscription.created", subscription_obj(customer=customer))
    assert post_event(event, secret="whsec_not_ours").status_code == 400
    assert post_event(event, signature="t=1,v1=deadbeef").status_code == 400
    assert post_event(event, signature="").status_code == 400
    # A valid signature over another body does not sign this one.
    body = json.dumps(event)
    tampered = body.replace("price_starter", "price_scale")
    assert post_event(event, payload=tampered, signature=sign(body)).status_code == 400
    assert snapshot(workspace) == before


def test_a_stale_timestamp_is_refused(workspace, customer, post_event):
    before = snapshot(workspace)
    event = make_event("customer.subscription.created", subscription_obj(customer=customer))
    response = post_event(event, timestamp=int(time.time()) - 301)
    assert response.status_code == 400
    assert snapshot(workspace) == before


def test_a_replayed_delivery_changes_nothing(client, workspace, customer, post_event):
    event = make_event(
        "invoice.paid",
        invoice_obj(customer=customer, billing_reason="subscription_create"),
    )
    body = json.dumps(event)
    header = sign(body)
    first = client.post(
        "/billing/stripe/webhook/",
        body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=header,
    )
    assert first.status_code == 200
    after_first = snapshot(workspace)
    # The same bytes and signature again (an attacker's replay within the tolerance, or
    # Stripe retrying): recognised by the event id.
    replay = client.post(
        "/billing/stripe/webhook/",
        body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=header,
    )
    assert replay.status_code == 200
    assert json.loads(replay.content)["outcome"] == "duplicate"
    assert snapshot(workspace) == after_first


def test_webhook_is_csrf_exempt_and_post_only(client, stripe_on):
    client.handler.enforce_csrf_checks = True
    event = make_event("ping", {"id": "x", "object": "thing"})
    body = json.dumps(event)
    response = client.post(
        "/billing/stripe/webhook/",
        body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign(body),
    )
    assert response.status_code == 200
    assert json.loads(response.content)["outcome"] == "ignored: not an event we handle"
    assert client.get("/billing/stripe/webhook/").status_code == 405


def test_without_stripe_the_webhook_does_not_exist(client, db):
    event = make_event("invoice.paid", invoice_obj(customer="cus_A"))
    body = json.dumps(event)
    response = client.post(
        "/billing/stripe/webhook/",
        body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign(body),
    )
    assert response.status_code == 404
    assert not StripeEvent.objects.exists()


def test_a_body_that_is_not_an_event_is_refused(post_event, stripe_on, db):
    assert post_event({}, payload="not json").status_code == 400
    assert post_event({}, payload=json.dumps({"id": "evt_1"})).status_code == 400
    assert not StripeEvent.objects.exists()


@pytest.mark.parametrize("signature", ["", "t=1700000000,v1=" + "0" * 64])
def test_a_body_that_is_not_utf8_is_refused_with_400(client, stripe_on, workspace, signature):
    """The probe: an unsigned body that is not valid UTF-8 made the webhook answer 500."""
    accounts.billing_account_ensure(workspace=workspace)
    before = snapshot(workspace)
    response = client.post(
        "/billing/stripe/webhook/",
        data=b'{"id": "evt_\xff\xfe", "type": "invoice.paid"}',
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature,
    )
    assert response.status_code == 400
    assert snapshot(workspace) == before


def checkout_session(workspace, customer):
    return {
        "id": "cs_other",
        "object": "checkout.session",
        "mode": "subscription",
        "customer": customer,
        "subscription": "sub_x",
        "client_reference_id": str(workspace.pk),
        "metadata": {"workspace_id": str(workspace.pk), "plan": "scale"},
    }


def test_a_checkout_naming_another_workspaces_customer_is_recorded_not_applied(
    workspace, other_workspace, stripe_on, post_event, caplog
):
    """The probe: such a checkout answered 500 on every retry (the unique customer id)."""
    accounts.billing_account_ensure(workspace=workspace)
    accounts.billing_account_ensure(workspace=other_workspace)
    BillingAccount.objects.for_workspace(other_workspace).update(stripe_customer_id="cus_B")
    before, other_before = snapshot(workspace), snapshot(other_workspace)[:6]
    event = make_event("checkout.session.completed", checkout_session(workspace, "cus_B"))
    with caplog.at_level("ERROR", logger="apps.billing.services"):
        response = post_event(event)
    assert response.status_code == 200
    assert response.json()["outcome"] == "refused: customer cus_B belongs to another workspace"
    account = account_of(workspace)
    assert (account.stripe_customer_id, account.plan, account.stripe_subscription_id) == (
        "",
        PlanCode.TRIAL,
        "",
    )
    assert snapshot(workspace)[:7] == before[:7]
    assert snapshot(other_workspace)[:6] == other_before
    record = StripeEvent.objects.get(event_id=event["id"])
    assert record.workspace_id == workspace.pk and record.outcome.startswith("refused")
    alert = [r for r in caplog.records if r.levelname == "ERROR"]
    assert (
        alert
        and "cus_B" in alert[0].getMessage()
        and str(other_workspace.pk) in (alert[0].getMessage())
    )
    # Stripe's retry of the same event changes nothing and answers 200 again.
    assert post_event(event).status_code == 200
    assert StripeEvent.objects.filter(event_id=event["id"]).count() == 1


# --- Grants ------------------------------------------------------------------------------------


def test_duplicate_invoice_paid_grants_once(workspace, customer, post_event):
    invoice = invoice_obj(customer=customer, invoice_id="in_42", price="price_growth")
    assert post_event(make_event("invoice.paid", invoice)).status_code == 200
    # Stripe may also send the same invoice under a second event id: the grant is keyed by the
    # invoice, so it still counts once.
    assert post_event(make_event("invoice.paid", invoice)).status_code == 200
    grants = CreditEntry.objects.for_workspace(workspace).filter(key="grant:invoice:in_42")
    assert [g.credits for g in grants] == [10_000]
    assert balance_of(workspace) == 10_000 == ledger_sum(workspace)  # the trial's credits lapsed
    invoice_row = Invoice.objects.for_workspace(workspace).get()
    assert (invoice_row.number, invoice_row.status, invoice_row.amount_paid) == (
        "ATL-in_42",
        "paid",
        4900,
    )
    assert invoice_row.hosted_invoice_url == "https://invoice.stripe.com/i/in_42"


MONTH = 2_592_000
PERIOD_1 = {"period_start": 1_780_000_000, "period_end": 1_780_000_000 + MONTH}
PERIOD_2 = {"period_start": 1_780_000_000 + MONTH, "period_end": 1_780_000_000 + 2 * MONTH}


def test_each_monthly_invoice_grants_a_fresh_period(workspace, customer, post_event):
    first = invoice_obj(customer=customer, invoice_id="in_1", **PERIOD_1)
    post_event(make_event("invoice.paid", first))
    credits.credits_charge(workspace=workspace, key="a", kind="image_operation", units=10)
    assert balance_of(workspace) == 2_000 - 50
    second = invoice_obj(customer=customer, invoice_id="in_2", **PERIOD_2)
    post_event(make_event("invoice.paid", second))
    assert balance_of(workspace) == 2_000 == ledger_sum(workspace)  # no roll-over


def test_a_late_invoice_for_an_earlier_period_grants_nothing(workspace, customer, post_event):
    """The probe: a late invoice.paid for an earlier period took 6,000 back up to 10,000."""
    later = invoice_obj(customer=customer, invoice_id="in_2", price="price_growth", **PERIOD_2)
    assert post_event(make_event("invoice.paid", later)).status_code == 200
    credits.credits_charge(workspace=workspace, key="a", kind="copy_variant", units=4_000)
    assert balance_of(workspace) == 6_000
    earlier = invoice_obj(customer=customer, invoice_id="in_1", price="price_growth", **PERIOD_1)
    response = post_event(make_event("invoice.paid", earlier))
    assert response.status_code == 200
    assert response.json()["outcome"] == "recorded: this period's credits were already granted"
    assert balance_of(workspace) == 6_000 == ledger_sum(workspace)
    # The invoice itself is kept (it was paid), only no credits come with it.
    assert Invoice.objects.for_workspace(workspace).filter(stripe_invoice_id="in_1").exists()
    # Another invoice for the current period (re-issued) grants nothing either.
    again = invoice_obj(customer=customer, invoice_id="in_2b", price="price_growth", **PERIOD_2)
    post_event(make_event("invoice.paid", again))
    assert balance_of(workspace) == 6_000 == ledger_sum(workspace)
    assert CreditEntry.objects.for_workspace(workspace).filter(entry_type="grant").count() == 2


def test_an_upgrade_invoice_tops_up_to_the_new_plan(workspace, customer, post_event):
    post_event(make_event("invoice.paid", invoice_obj(customer=customer, invoice_id="in_1")))
    credits.credits_charge(workspace=workspace, key="a", kind="copy_variant", units=500)
    upgrade = invoice_obj(
        customer=customer,
        invoice_id="in_2",
        price="price_growth",
        billing_reason="subscription_update",
    )
    post_event(make_event("invoice.paid", upgrade))
    assert balance_of(workspace) == 1_500 + (10_000 - 2_000)
    post_event(make_event("invoice.paid", upgrade))
    assert balance_of(workspace) == 9_500 == ledger_sum(workspace)


def test_an_invoice_for_an_unknown_customer_is_ignored(workspace, customer, post_event):
    before = snapshot(workspace)
    response = post_event(make_event("invoice.paid", invoice_obj(customer="cus_someone_else")))
    assert json.loads(response.content)["outcome"] == "ignored: unknown customer"
    assert snapshot(workspace)[:-1] == before[:-1]  # only the event id was recorded


# --- Subscription state and order ---------------------------------------------------------------


def test_checkout_completed_links_the_subscription_and_plan(workspace, customer, post_event):
    session = {
        "id": "cs_1",
        "object": "checkout.session",
        "mode": "subscription",
        "customer": customer,
        "subscription": "sub_9",
        "client_reference_id": str(workspace.pk),
        "metadata": {"workspace_id": str(workspace.pk), "plan": "scale"},
    }
    assert post_event(make_event("checkout.session.completed", session)).status_code == 200
    account = account_of(workspace)
    assert (account.plan, account.status, account.stripe_subscription_id) == (
        PlanCode.SCALE,
        SubscriptionStatus.ACTIVE,
        "sub_9",
    )


def test_out_of_order_events_leave_stripes_latest_state(workspace, customer, post_event):
    now = int(time.time())
    updated = make_event(
        "customer.subscription.updated",
        subscription_obj(customer=customer, price="price_scale", status="active"),
        created=now,
    )
    created = make_event(
        "customer.subscription.created",
        subscription_obj(customer=customer, price="price_starter", status="incomplete"),
        created=now - 60,
    )
    assert post_event(updated).status_code == 200
    response = post_event(created)  # older, delivered late
    assert json.loads(response.content)["outcome"] == "ignored: older than the state applied"
    account = account_of(workspace)
    assert (account.plan, account.status, account.stripe_state_at) == (
        PlanCode.SCALE,
        SubscriptionStatus.ACTIVE,
        now,
    )


def test_created_in_the_same_second_as_an_update_does_not_undo_it(workspace, customer, post_event):
    now = int(time.time())
    post_event(
        make_event(
            "customer.subscription.updated",
            subscription_obj(customer=customer, price="price_growth", status="active"),
            created=now,
        )
    )
    post_event(
        make_event(
            "customer.subscription.created",
            subscription_obj(customer=customer, price="price_growth", status="incomplete"),
            created=now,
        )
    )
    assert account_of(workspace).status == SubscriptionStatus.ACTIVE


def test_a_late_update_does_not_revive_a_deleted_subscription(workspace, customer, post_event):
    now = int(time.time())
    post_event(
        make_event(
            "customer.subscription.deleted",
            subscription_obj(customer=customer, status="canceled"),
            created=now,
        )
    )
    post_event(
        make_event(
            "customer.subscription.updated",
            subscription_obj(customer=customer, status="active"),
            created=now - 5,
        )
    )
    post_event(
        make_event(
            "customer.subscription.updated",
            subscription_obj(customer=customer, status="active"),
            created=now,
        )
    )
    account = account_of(workspace)
    assert account.status == SubscriptionStatus.CANCELED
    # Cancelled keeps read access; new work is refused.
    with pytest.raises(BillingInactive):
        credits.credits_check_can_start(workspace=workspace, kind="copy_variant")


def test_an_old_subscription_ending_does_not_cancel_the_new_one(workspace, customer, post_event):
    now = int(time.time())
    post_event(
        make_event(
            "customer.subscription.created",
            subscription_obj(customer=customer, sub_id="sub_new", price="price_growth"),
            created=now,
        )
    )
    post_event(
        make_event(
            "customer.subscription.deleted",
            subscription_obj(customer=customer, sub_id="sub_old", status="canceled"),
            created=now + 1,
        )
    )
    account = account_of(workspace)
    assert (account.stripe_subscription_id, account.status) == ("sub_new", "active")


def test_payment_failed_starts_the_grace_period_and_paid_ends_it(workspace, customer, post_event):
    now = int(time.time())
    post_event(
        make_event(
            "customer.subscription.created", subscription_obj(customer=customer), created=now - 100
        )
    )
    failed = invoice_obj(customer=customer, invoice_id="in_5", status="open")
    post_event(make_event("invoice.payment_failed", failed, created=now - 50))
    account = account_of(workspace)
    assert account.status == SubscriptionStatus.PAST_DUE
    assert account.past_due_since is not None
    # Inside the grace period work continues.
    credits.credits_check_can_start(workspace=workspace, kind="copy_variant")
    # A stale "active" update from before the failure does not clear it.
    post_event(
        make_event(
            "customer.subscription.updated", subscription_obj(customer=customer), created=now - 80
        )
    )
    assert account_of(workspace).status == SubscriptionStatus.PAST_DUE

    paid = invoice_obj(customer=customer, invoice_id="in_5", billing_reason="subscription_cycle")
    post_event(make_event("invoice.paid", paid, created=now))
    account = account_of(workspace)
    assert (account.status, account.past_due_since) == (SubscriptionStatus.ACTIVE, None)
    assert Invoice.objects.for_workspace(workspace).get().status == "paid"
    # A late copy of the failure neither unpays the invoice nor re-opens the past due state.
    post_event(make_event("invoice.payment_failed", failed, created=now - 50))
    assert account_of(workspace).status == SubscriptionStatus.ACTIVE
    assert Invoice.objects.for_workspace(workspace).get().status == "paid"


def test_past_due_beyond_grace_refuses_new_work(workspace, customer, post_event, settings):
    settings.BILLING_GRACE_DAYS = 3
    post_event(make_event("customer.subscription.created", subscription_obj(customer=customer)))
    post_event(make_event("invoice.payment_failed", invoice_obj(customer=customer, status="open")))
    BillingAccount.objects.for_workspace(workspace).update(
        past_due_since=timezone.now() - timedelta(days=4)
    )
    with pytest.raises(BillingInactive, match="grace period is over"):
        credits.credits_reserve(workspace=workspace, key="a", kind="copy_variant")


# --- Failures ------------------------------------------------------------------------------------


def test_a_failing_handler_answers_500_and_leaves_nothing_half_applied(
    workspace, customer, post_event, monkeypatch
):
    before = snapshot(workspace)
    event = make_event(
        "invoice.paid", invoice_obj(customer=customer, invoice_id="in_7", price="price_growth")
    )

    def explode(*args, **kwargs):
        raise RuntimeError("database hiccup after the grant")

    # Fail after the invoice was recorded and the credits granted, inside the handler.
    monkeypatch.setattr(webhooks, "save_state", explode)
    assert post_event(event).status_code == 500
    assert snapshot(workspace) == before
    assert not StripeEvent.objects.filter(event_id=event["id"]).exists()

    # Stripe retries the same event: now it applies, once.
    monkeypatch.undo()
    assert post_event(event).status_code == 200
    assert balance_of(workspace) == 10_000 == ledger_sum(workspace)


def test_an_unknown_price_fails_so_stripe_retries_after_the_fix(
    workspace, customer, post_event, settings
):
    before = snapshot(workspace)
    event = make_event(
        "customer.subscription.created", subscription_obj(customer=customer, price="price_new")
    )
    assert post_event(event).status_code == 500
    assert snapshot(workspace) == before
    settings.STRIPE_PRICE_GROWTH = "price_new"
    assert post_event(event).status_code == 200
    assert account_of(workspace).plan == PlanCode.GROWTH


def test_a_failed_payment_is_told_once_per_attempt_and_a_stale_one_not_at_all(
    workspace, customer, post_event, heard_events, django_capture_on_commit_callbacks
):
    now = int(time.time())
    post_event(make_event("customer.subscription.created", subscription_obj(customer=customer)))
    failed = invoice_obj(customer=customer, invoice_id="in_9", status="open")
    with django_capture_on_commit_callbacks(execute=True):
        post_event(make_event("invoice.payment_failed", failed, created=now + 5))
        post_event(make_event("invoice.payment_failed", failed, created=now - 500))  # stale
    told = [(e.name, e.key) for e in heard_events]
    assert told == [("payment.failed", "payment.failed:in_9:1")]
    assert heard_events[0].workspace_id == workspace.pk
