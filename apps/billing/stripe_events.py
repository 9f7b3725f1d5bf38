"""Reading Stripe's event payloads (plain dicts): which plan, period and subscription they
name, and whether they are older than what was applied. No queries, no writes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from apps.billing.models import BillingAccount, SubscriptionStatus
from apps.billing.plans import Plan, plan_for_price
from apps.billing.rules import from_timestamp

StripeObject = dict[str, Any]


def subscription_plan_item(subscription: StripeObject) -> tuple[StripeObject, Plan | None]:
    """The subscription item that carries the plan's price (not the metered overage price)."""
    items = (subscription.get("items") or {}).get("data") or []
    for item in items:
        plan = plan_for_price(((item.get("price") or {}).get("id")) or "")
        if plan is not None:
            return item, plan
    return (items[0] if items else {}), None


def is_stale(
    account: BillingAccount, event: StripeObject, subscription_id: str, status: str
) -> bool:
    """The event is older than the subscription state already applied to ``account``."""
    created = int(event["created"])
    if created < account.stripe_state_at:
        return True
    if created == account.stripe_state_at and subscription_id == account.stripe_subscription_id:
        # Stripe timestamps are whole seconds: within one second, "created" is never newer
        # than an update, and nothing but a deletion follows a cancellation.
        if event["type"] == "customer.subscription.created":
            return True
        if account.status == SubscriptionStatus.CANCELED and status != SubscriptionStatus.CANCELED:
            return True
    return False


def invoice_subscription(invoice: StripeObject) -> str:
    parent = invoice.get("parent") or {}
    details = parent.get("subscription_details") or {}
    return details.get("subscription") or invoice.get("subscription") or ""


def invoice_plan(invoice: StripeObject) -> Plan | None:
    for line in (invoice.get("lines") or {}).get("data") or []:
        pricing = (line.get("pricing") or {}).get("price_details") or {}
        price = pricing.get("price") or (line.get("price") or {}).get("id") or ""
        if isinstance(price, dict):
            price = price.get("id", "")
        plan = plan_for_price(price)
        if plan is not None:
            return plan
    return None


def invoice_period_start(invoice: StripeObject) -> datetime | None:
    """The start of the billing period an invoice pays for: its plan line's period (Stripe
    puts the invoice's own period_start/end on the usage period before it)."""
    for line in (invoice.get("lines") or {}).get("data") or []:
        start = (line.get("period") or {}).get("start")
        if start:
            return from_timestamp(start)
    return from_timestamp(invoice.get("period_start"))


def period_granted_already(account: BillingAccount, period_start: datetime | None) -> bool:
    """This period's credits (or a later period's) are on the balance already."""
    return bool(
        period_start
        and account.credits_period_start
        and period_start <= account.credits_period_start
    )


def period_before_granted(account: BillingAccount, period_start: datetime | None) -> bool:
    """The invoice is for a period before the one whose credits are on the balance."""
    return bool(
        period_start
        and account.credits_period_start
        and period_start < account.credits_period_start
    )
