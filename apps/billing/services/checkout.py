"""Stripe Checkout and the customer portal: where a billing manager is sent to pay.

These call Stripe synchronously because the person is redirected to the URL Stripe returns; no
transaction is open while they wait, and the one local write (the customer id) is made after
Stripe answered, guarded so two clicks keep one customer. The plan itself changes only when
Stripe's events arrive (``services.webhooks``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from apps.billing import stripe_adapter
from apps.billing.models import LIVE_STATUSES, BillingAccount
from apps.billing.plans import PLANS
from apps.billing.services.accounts import billing_account_ensure
from apps.core.errors import ServiceError
from apps.workspaces.actors import Actor
from apps.workspaces.roles import Action

SELF_HOSTED = "This installation runs without Stripe (self-hosted mode)"


def _customer_ensure(*, actor: Actor, account: BillingAccount) -> str:
    if account.stripe_customer_id:
        return account.stripe_customer_id
    workspace = actor.workspace
    customer_id = stripe_adapter.customer_create(
        workspace_id=workspace.pk, name=workspace.name, email=actor.user.email
    )
    with transaction.atomic(durable=True):
        BillingAccount.objects.for_workspace(workspace).filter(
            pk=account.pk, stripe_customer_id=""
        ).update(stripe_customer_id=customer_id)
    account.refresh_from_db(fields=["stripe_customer_id"])
    return account.stripe_customer_id


def billing_checkout_start(*, actor: Actor, plan_code: str, return_url: str) -> str:
    """Where to send a billing manager to subscribe to ``plan_code`` or change to it.

    Without a live subscription: a Stripe Checkout session (customer, price, success and
    cancel URLs, ``client_reference_id`` = the workspace id). With one: the customer portal's
    confirm-the-change page, so the existing subscription is changed rather than a second
    one started.
    """
    actor.require(Action.MANAGE_BILLING)
    if not stripe_adapter.stripe_configured():
        raise ServiceError(
            f"{SELF_HOSTED}: plans are assigned here or by a site administrator, and nothing "
            "is charged."
        )
    plan = PLANS.get(plan_code)
    if plan is None or not plan.is_paid:
        raise ServiceError(f"“{plan_code}” is not a plan you can subscribe to.", field="plan")
    price = plan.stripe_price_id
    if not price:
        raise ServiceError(
            f"The {plan.name} plan has no Stripe price on this installation "
            f"({plan.price_setting} is not set). Ask the site administrator."
        )
    workspace = actor.workspace
    account = billing_account_ensure(workspace=workspace)
    live = account.stripe_subscription_id and account.status in LIVE_STATUSES
    if live:
        if account.plan == plan.code:
            raise ServiceError(f"{workspace.name} is already on the {plan.name} plan.")
        return stripe_adapter.portal_session_create(
            customer=account.stripe_customer_id,
            return_url=return_url,
            subscription=account.stripe_subscription_id,
            subscription_item=account.stripe_subscription_item_id,
            price=price,
        )
    customer = _customer_ensure(actor=actor, account=account)
    separator = "&" if "?" in return_url else "?"
    metadata = {"workspace_id": str(workspace.pk), "plan": plan.code}
    return stripe_adapter.checkout_session_create(
        customer=customer,
        price=price,
        metered_price=settings.STRIPE_PRICE_OVERAGE if plan.overage else "",
        success_url=f"{return_url}{separator}checkout=success",
        cancel_url=f"{return_url}{separator}checkout=cancelled",
        client_reference_id=str(workspace.pk),
        metadata=metadata,
    )


def billing_portal_start(*, actor: Actor, return_url: str) -> str:
    """The Stripe customer portal: payment methods, invoices, cancellation."""
    actor.require(Action.MANAGE_BILLING)
    if not stripe_adapter.stripe_configured():
        raise ServiceError(f"{SELF_HOSTED}.")
    account = billing_account_ensure(workspace=actor.workspace)
    if not account.stripe_customer_id:
        raise ServiceError("There is nothing to manage in Stripe yet: choose a plan first.")
    return stripe_adapter.portal_session_create(
        customer=account.stripe_customer_id, return_url=return_url
    )
