"""Pure rules about an account's state, shared by services (refusals) and selectors (banner)."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format

from apps.billing import stripe_adapter
from apps.billing.models import BillingAccount, SubscriptionStatus
from apps.billing.plans import PlanCode
from apps.billing.trials import TrialDecision
from apps.workspaces.models import Workspace

OVERDUE_STATUSES = frozenset({SubscriptionStatus.PAST_DUE, SubscriptionStatus.UNPAID})


def upgrade_url(workspace: Workspace) -> str:
    """Where a refusal sends people to upgrade: the workspace's plans page."""
    return reverse("billing_pricing", kwargs={"slug": workspace.slug})


def billing_account_defaults(
    workspace: Workspace, *, trial: TrialDecision | None = None
) -> dict[str, Any]:
    """A new workspace's account: the free trial, counted from the workspace's creation; or,
    when ``trial`` (a ``TrialDecision``) says its creator had theirs, a trial that is already
    over, with the reason."""
    start = workspace.created_at or timezone.now()
    trial_end = start + timedelta(days=settings.BILLING_TRIAL_DAYS)
    note = ""
    if trial is not None and not trial.granted:
        trial_end, note = start, trial.note
    return {
        "plan": PlanCode.TRIAL,
        "status": SubscriptionStatus.TRIALING,
        "trial_ends_at": trial_end,
        "current_period_start": start,
        "current_period_end": trial_end,
        "trial_note": note,
    }


def from_timestamp(value: int | float | None) -> datetime | None:
    return datetime.fromtimestamp(int(value), tz=UTC) if value else None


def add_month(when: datetime) -> datetime:
    """The same day next month, or the month's last day (31 Jan → 28/29 Feb)."""
    year, month = (when.year + 1, 1) if when.month == 12 else (when.year, when.month + 1)
    day = min(when.day, calendar.monthrange(year, month)[1])
    return when.replace(year=year, month=month, day=day)


def human_date(when: datetime) -> str:
    return date_format(timezone.localtime(when), "j F Y")


def grace_ends_at(account: BillingAccount) -> datetime | None:
    if account.status not in OVERDUE_STATUSES or account.past_due_since is None:
        return None
    return account.past_due_since + timedelta(days=settings.BILLING_GRACE_DAYS)


def trial_expired(account: BillingAccount, now: datetime) -> bool:
    """Our own free trial (no Stripe subscription behind it) has run out."""
    return (
        account.plan == PlanCode.TRIAL
        and not account.stripe_subscription_id
        and account.trial_ends_at is not None
        and now >= account.trial_ends_at
    )


def work_refusal(account: BillingAccount, now: datetime | None = None) -> str | None:
    """Why new work may not start on this account, or None. Reading stays allowed always."""
    now = now or timezone.now()
    if trial_expired(account, now) and account.trial_ends_at is not None:
        if account.trial_note:
            return f"This workspace has no free trial: {account.trial_note} Choose a plan to start."
        return (
            f"The free trial ended on {human_date(account.trial_ends_at)}. Choose a plan to "
            "keep generating; everything your team made stays available."
        )
    if account.status == SubscriptionStatus.CANCELED:
        return (
            "The subscription was cancelled. Your work stays available to read; choose a plan "
            "to generate again."
        )
    if account.status in OVERDUE_STATUSES:
        ends = grace_ends_at(account)
        if ends is None or now >= ends:
            return (
                "A payment is overdue and the grace period is over. Update the payment method "
                "to generate again; your work stays available to read."
            )
        return None
    if account.status in (
        SubscriptionStatus.INCOMPLETE,
        SubscriptionStatus.INCOMPLETE_EXPIRED,
        SubscriptionStatus.PAUSED,
    ):
        return (
            f"The subscription is {account.get_status_display().lower()}. Complete the payment "
            "or choose a plan to generate."
        )
    return None


def overage_allowed(account: BillingAccount) -> bool:
    """Work past the balance is billed through the Stripe meter: only for plans that allow it,
    with a live Stripe subscription to bill, a meter to report to and the metered price that
    puts the meter on the subscription (without it Stripe would record usage nobody pays)."""
    return bool(
        account.plan_obj.overage
        and stripe_adapter.stripe_configured()
        and settings.STRIPE_METER_EVENT_NAME
        and settings.STRIPE_PRICE_OVERAGE
        and account.stripe_customer_id
        and account.stripe_subscription_id
        and account.status
        in (SubscriptionStatus.ACTIVE, SubscriptionStatus.TRIALING, SubscriptionStatus.PAST_DUE)
    )
