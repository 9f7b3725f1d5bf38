"""Plan changes without Stripe, and the monthly periods of such plans.

Two people may put a workspace on a plan here: a billing manager of a self-hosted installation
(``billing_plan_select``, an actor), and a site administrator in the Django admin, in any mode
(``billing_plan_assign``, e.g. a complimentary "unlimited"). Stripe-billed plans change through
Checkout and the webhook instead (``services.checkout``, ``services.webhooks``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.billing import stripe_adapter
from apps.billing.audit_actions import AuditAction
from apps.billing.models import BillingAccount, SubscriptionStatus
from apps.billing.plans import PLANS, Plan, PlanCode
from apps.billing.rules import add_month
from apps.billing.selectors import accounts_due_for_renewal
from apps.billing.services.accounts import access_billing_account_for_update, account_for_update
from apps.billing.services.ledger import grant_for_period, save_state
from apps.core import trail
from apps.core.errors import ServiceError
from apps.workspaces.actors import Actor, NotAllowed
from apps.workspaces.models import Workspace
from apps.workspaces.roles import Action


def _plan_named(plan_code: str) -> Plan:
    plan = PLANS.get(plan_code)
    if plan is None:
        raise ServiceError(f"“{plan_code}” is not a plan.", field="plan")
    return plan


def _plan_apply(account: BillingAccount, plan: Plan, *, by: str) -> str:
    """Put the locked ``account`` on ``plan``: a new monthly period with the plan's credits.
    Returns the plan it was on."""
    previous_plan = account.plan
    now = timezone.now()
    account.plan = plan.code
    account.status = SubscriptionStatus.ACTIVE
    account.past_due_since = None
    account.cancel_at_period_end = False
    if plan.code == PlanCode.TRIAL:
        account.status = SubscriptionStatus.TRIALING
        account.trial_ends_at = now + timedelta(days=settings.BILLING_TRIAL_DAYS)
        account.current_period_end = account.trial_ends_at
    else:
        account.current_period_end = None if plan.unlimited else add_month(now)
    account.current_period_start = now
    save_state(account)
    grant_for_period(
        account,
        key=f"assign:{now:%Y%m%dT%H%M%S.%f}",
        plan=plan,
        reference=f"{plan.name} assigned by {by}"[:255],
    )
    return previous_plan


@transaction.atomic(durable=True)
def billing_plan_select(*, actor: Actor, plan_code: str) -> BillingAccount:
    """Self-hosted mode: a billing manager puts the workspace on a plan; nothing is charged."""
    actor.require(Action.MANAGE_BILLING)
    plan = _plan_named(plan_code)
    if stripe_adapter.stripe_configured():
        raise ServiceError(
            "Plans are bought through Stripe on this installation: use “Choose plan”."
        )
    if plan.code == PlanCode.TRIAL:
        raise ServiceError("The free trial cannot be chosen again; pick a plan.", field="plan")
    account = access_billing_account_for_update(actor)
    previous_plan = _plan_apply(account, plan, by=actor.user.email)
    actor.record(
        AuditAction.BILLING_PLAN_CHANGED,
        target=plan.name,
        details={"from": previous_plan, "to": plan.code, "by_site_admin": False},
    )
    return account


@transaction.atomic  # not durable: the Django admin saves inside its own transaction
def billing_plan_assign(
    *, workspace: Workspace, site_admin: User | None, plan_code: str
) -> BillingAccount:
    """A site administrator puts the workspace on any plan, in any mode (a complimentary
    "unlimited", the trial again). ``site_admin`` is the staff user acting in the Django admin,
    or None for the system itself (setup scripts); anyone else is refused with nothing changed.
    """
    if site_admin is not None and not site_admin.is_staff:
        raise NotAllowed("Only a site administrator can assign a plan here.")
    plan = _plan_named(plan_code)
    account = account_for_update(workspace)
    by = site_admin.email if site_admin is not None and site_admin.email else "system"
    previous_plan = _plan_apply(account, plan, by=by)
    trail.record(
        workspace=workspace,
        user=site_admin,
        action=AuditAction.BILLING_PLAN_CHANGED,
        target=plan.name,
        details={"from": previous_plan, "to": plan.code, "by_site_admin": True},
    )
    return account


def billing_renew_periods(*, now: datetime | None = None) -> int:
    """Start the next monthly period of plans assigned without Stripe (beat, hourly).

    Stripe-billed plans renew on ``invoice.paid`` instead.
    """
    now = now or timezone.now()
    return sum(_renew_one(workspace_id, now) for workspace_id in accounts_due_for_renewal(now=now))


@transaction.atomic(durable=True)
def _renew_one(workspace_id: int, now: datetime) -> bool:
    account = account_for_update(workspace_id)
    if account.stripe_subscription_id or not account.current_period_end:
        return False
    if account.current_period_end > now or account.status != SubscriptionStatus.ACTIVE:
        return False
    start = account.current_period_end
    while add_month(start) <= now:  # a server that was off for months catches up in one step
        start = add_month(start)
    account.current_period_start = start
    account.current_period_end = add_month(start)
    account.save(update_fields=["current_period_start", "current_period_end", "updated_at"])
    return grant_for_period(
        account,
        key=f"period:{start:%Y%m%dT%H%M%S}",
        plan=account.plan_obj,
        reference=f"{account.plan_obj.name}: period from {start:%Y-%m-%d}",
    )
