"""Stripe's events, applied once each: subscriptions set the plan and status, paid invoices
grant the period's credits, failed ones start the grace period.

System work (Stripe, not a person, is acting), so nothing here takes an actor. Accounts are
found by the customer (or the workspace id we gave Stripe) and locked while the event applies.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.billing.errors import UnknownStripePrice
from apps.billing.events import BillingEvent
from apps.billing.models import (
    LIVE_STATUSES,
    BillingAccount,
    EntryType,
    Invoice,
    StripeEvent,
    SubscriptionStatus,
)
from apps.billing.plans import PLANS
from apps.billing.rules import from_timestamp
from apps.billing.selectors import stripe_customer_holder
from apps.billing.services.accounts import (
    account_for_update_by_customer,
    account_for_update_by_workspace_id,
)
from apps.billing.services.ledger import grant_for_period, ledger_post, save_state
from apps.billing.stripe_events import (
    StripeObject,
    invoice_period_start,
    invoice_plan,
    invoice_subscription,
    is_stale,
    period_before_granted,
    period_granted_already,
    subscription_plan_item,
)
from apps.core import events

logger = logging.getLogger(__name__)

UNKNOWN_CUSTOMER = "ignored: unknown customer"


@transaction.atomic(durable=True)
def stripe_event_process(*, event: StripeObject) -> str:
    """Apply one verified Stripe event, once. Returns what happened, for the log.

    One transaction: the event id is stored with the changes it caused, so a duplicate
    delivery finds the id and changes nothing, and a handler that fails leaves nothing behind
    (not even the id): the webhook answers 500 and Stripe delivers it again.
    """
    try:
        with transaction.atomic():
            record = StripeEvent.objects.create(
                event_id=str(event["id"]), type=str(event["type"]), created=int(event["created"])
            )
    except IntegrityError:
        return "duplicate"
    handler = _EVENT_HANDLERS.get(record.type)
    account, outcome = None, "ignored: not an event we handle"
    if handler is not None:
        found = handler.find(event["data"]["object"])
        if isinstance(found, str):
            outcome = found
        else:
            account, outcome = found, handler.apply(event, found)
    record.workspace_id = account.workspace_id if account else None
    record.outcome = outcome[:255]
    record.save(update_fields=["workspace", "outcome"])
    return outcome


def _checkout_account(session: StripeObject) -> BillingAccount | str:
    if session.get("mode") != "subscription":
        return "ignored: not a subscription checkout"
    account = account_for_update_by_workspace_id(session.get("client_reference_id"))
    return "ignored: no such workspace" if account is None else account


def _on_checkout_completed(event: StripeObject, account: BillingAccount) -> str:
    session = event["data"]["object"]
    customer, subscription = session.get("customer") or "", session.get("subscription") or ""
    if account.stripe_customer_id and customer and customer != account.stripe_customer_id:
        logger.warning("Checkout %s: customer %s is not the account's", session.get("id"), customer)
        return "ignored: another customer"
    if customer and not account.stripe_customer_id:
        holder = stripe_customer_holder(customer=customer, besides=account)
        if holder is not None:
            # Applying it would give one customer two workspaces (and fail on every retry).
            logger.error(
                "Stripe checkout %s for workspace %s names customer %s, which belongs to "
                "workspace %s: not applied. Check this checkout in the Stripe dashboard.",
                session.get("id"),
                account.workspace_id,
                customer,
                holder,
            )
            return f"refused: customer {customer} belongs to another workspace"
        account.stripe_customer_id = customer
    if subscription and subscription != account.stripe_subscription_id:
        # Subscription events may arrive after this one: until then the plan bought counts.
        plan = PLANS.get((session.get("metadata") or {}).get("plan", ""))
        account.stripe_subscription_id = subscription
        account.stripe_subscription_item_id = ""
        if plan is not None and plan.is_paid:
            account.plan = plan.code
        account.status = SubscriptionStatus.ACTIVE
        account.past_due_since = None
        account.cancel_at_period_end = False
    save_state(account)
    return "applied"


def _subscription_account(subscription: StripeObject) -> BillingAccount | str:
    account = account_for_update_by_customer(subscription.get("customer"))
    if account is not None:
        return account
    workspace_id = (subscription.get("metadata") or {}).get("workspace_id")
    account = account_for_update_by_workspace_id(workspace_id)
    if account is None or account.stripe_customer_id not in ("", subscription.get("customer")):
        return UNKNOWN_CUSTOMER
    return account


def _on_subscription(event: StripeObject, account: BillingAccount) -> str:
    subscription = event["data"]["object"]
    deleted = event["type"] == "customer.subscription.deleted"
    status = SubscriptionStatus.CANCELED if deleted else subscription.get("status", "")
    if status not in SubscriptionStatus.values:
        return f"ignored: status {status!r}"
    subscription_id = subscription.get("id") or ""
    if (
        subscription_id != account.stripe_subscription_id
        and account.stripe_subscription_id
        and account.status in LIVE_STATUSES
        and status not in LIVE_STATUSES
    ):
        return "ignored: an earlier subscription"
    if is_stale(account, event, subscription_id, status):
        return "ignored: older than the state applied"
    item, plan = subscription_plan_item(subscription)
    if plan is None and not deleted:
        plan = PLANS.get((subscription.get("metadata") or {}).get("plan", ""))
        if plan is None or not plan.is_paid:
            raise UnknownStripePrice(
                f"Subscription {subscription_id} has no price named by STRIPE_PRICE_*."
            )
    if plan is not None:
        account.plan = plan.code
    account.status = status
    account.stripe_customer_id = account.stripe_customer_id or subscription.get("customer", "")
    account.stripe_subscription_id = subscription_id
    account.stripe_subscription_item_id = item.get("id", "") or ""
    # Since API 2025-03-31 the period lives on the subscription item.
    period_start = item.get("current_period_start") or subscription.get("current_period_start")
    period_end = item.get("current_period_end") or subscription.get("current_period_end")
    if period_start and period_end:
        account.current_period_start = from_timestamp(period_start)
        account.current_period_end = from_timestamp(period_end)
    account.cancel_at_period_end = bool(subscription.get("cancel_at_period_end"))
    account.trial_ends_at = from_timestamp(subscription.get("trial_end"))
    if status in (SubscriptionStatus.PAST_DUE, SubscriptionStatus.UNPAID):
        account.past_due_since = account.past_due_since or from_timestamp(event["created"])
    else:
        account.past_due_since = None
    account.stripe_state_at = int(event["created"])
    save_state(account)
    return "applied"


def _invoice_account(invoice: StripeObject) -> BillingAccount | str:
    """The invoice's account, locked, with the invoice recorded for the billing page."""
    account = account_for_update_by_customer(invoice.get("customer"))
    if account is None:
        return UNKNOWN_CUSTOMER
    invoices = Invoice.objects.for_workspace(account.workspace_id)
    existing = invoices.filter(stripe_invoice_id=invoice["id"]).first()
    status = invoice.get("status") or ""
    if existing is not None and existing.status == "paid":
        status = "paid"  # a late "payment failed" does not unpay a paid invoice
    values = {
        "number": invoice.get("number") or "",
        "status": status,
        "amount_due": invoice.get("amount_due") or 0,
        "amount_paid": invoice.get("amount_paid") or 0,
        "currency": invoice.get("currency") or "",
        "hosted_invoice_url": invoice.get("hosted_invoice_url") or "",
        "invoice_pdf": invoice.get("invoice_pdf") or "",
        "period_start": from_timestamp(invoice.get("period_start")),
        "period_end": from_timestamp(invoice.get("period_end")),
        "stripe_created": from_timestamp(invoice.get("created")) or timezone.now(),
    }
    if existing is None:
        invoices.create(
            workspace_id=account.workspace_id, stripe_invoice_id=invoice["id"], **values
        )
    else:
        invoices.filter(pk=existing.pk).update(**values)
    return account


def _on_invoice_paid(event: StripeObject, account: BillingAccount) -> str:
    invoice = event["data"]["object"]
    subscription_id = invoice_subscription(invoice)
    if not subscription_id:
        return "recorded: not a subscription invoice"
    plan = invoice_plan(invoice)
    if plan is None:
        if not account.plan_obj.is_paid:
            raise UnknownStripePrice(
                f"Invoice {invoice['id']} has no price named by STRIPE_PRICE_*."
            )
        plan = account.plan_obj
    reason = invoice.get("billing_reason") or ""
    outcome = "recorded"
    period_start = invoice_period_start(invoice)
    number = invoice.get("number") or invoice["id"]
    if reason in ("subscription_create", "subscription_cycle"):
        if period_granted_already(account, period_start):
            # A late (or re-sent) invoice for a period whose credits were given already, or
            # for an earlier one: a new period has started since; granting would add it again.
            outcome = "recorded: this period's credits were already granted"
        elif grant_for_period(
            account,
            key=f"invoice:{invoice['id']}",
            plan=plan,
            reference=f"{plan.name}: invoice {number}",
        ):
            outcome = f"granted {plan.monthly_credits} credits"
            account.credits_period_start = period_start
    elif (
        reason == "subscription_update"
        and plan.monthly_credits is not None
        and not period_before_granted(account, period_start)
    ):
        # An upgrade mid-period: top up to the new plan's monthly credits.
        top_up = plan.monthly_credits - account.period_granted
        if top_up > 0 and ledger_post(
            account,
            key=f"grant:invoice:{invoice['id']}",
            entry_type=EntryType.GRANT,
            credits=top_up,
            reference=f"Upgrade to {plan.name}: invoice {number}",
        ):
            account.period_granted += top_up
            outcome = f"granted {top_up} credits (upgrade)"
    created = int(event["created"])
    if (
        subscription_id == account.stripe_subscription_id
        and account.status in (SubscriptionStatus.PAST_DUE, SubscriptionStatus.UNPAID)
        and created >= account.stripe_state_at
    ):
        account.status = SubscriptionStatus.ACTIVE
        account.past_due_since = None
        account.stripe_state_at = created
    save_state(account)
    return outcome


def _on_invoice_payment_failed(event: StripeObject, account: BillingAccount) -> str:
    invoice = event["data"]["object"]
    subscription_id = invoice_subscription(invoice)
    created = int(event["created"])
    if (
        subscription_id
        and subscription_id == account.stripe_subscription_id
        and account.status
        in (SubscriptionStatus.ACTIVE, SubscriptionStatus.TRIALING, SubscriptionStatus.PAST_DUE)
        and created >= account.stripe_state_at
    ):
        account.status = SubscriptionStatus.PAST_DUE
        account.past_due_since = account.past_due_since or from_timestamp(created)
        account.stripe_state_at = created
        save_state(account)
        events.emit(
            BillingEvent.PAYMENT_FAILED,
            workspace_id=account.workspace_id,
            key=f"{invoice.get('id') or event['id']}:{invoice.get('attempt_count') or 1}",
            payload={
                "amount_due": invoice.get("amount_due"),
                "currency": invoice.get("currency"),
                "invoice_url": invoice.get("hosted_invoice_url") or "",
                "next_attempt": invoice.get("next_payment_attempt"),
            },
        )
        return "past due"
    return "recorded"


@dataclass(frozen=True)
class _Handler:
    # The event's account, locked, or why the event is ignored.
    find: Callable[[StripeObject], BillingAccount | str]
    # Apply the event to that account; what happened, for the log.
    apply: Callable[[StripeObject, BillingAccount], str]


_SUBSCRIPTION = _Handler(_subscription_account, _on_subscription)
_EVENT_HANDLERS = {
    "checkout.session.completed": _Handler(_checkout_account, _on_checkout_completed),
    "customer.subscription.created": _SUBSCRIPTION,
    "customer.subscription.updated": _SUBSCRIPTION,
    "customer.subscription.deleted": _SUBSCRIPTION,
    "invoice.paid": _Handler(_invoice_account, _on_invoice_paid),
    "invoice.payment_failed": _Handler(_invoice_account, _on_invoice_payment_failed),
}
