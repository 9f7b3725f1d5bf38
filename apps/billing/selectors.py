"""Billing reads: the account, seats, credits used, the usage chart, invoices, the banner, and
the lookups the services make (ledger keys, renewals due, overage to report)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from apps.billing import stripe_adapter
from apps.billing.charts import usage_chart
from apps.billing.models import BillingAccount, CreditEntry, EntryState, EntryType, Invoice
from apps.billing.plans import PAID_PLAN_CODES, PLANS, Plan, PlanCode, plans_for_pricing_table
from apps.billing.rules import (
    OVERDUE_STATUSES,
    billing_account_defaults,
    grace_ends_at,
    human_date,
    overage_allowed,
    upgrade_url,
    work_refusal,
)
from apps.billing.trials import trial_decision, trial_policy
from apps.core.charts import StackedBarChart
from apps.workspaces.models import Invitation, Membership, Workspace


def billing_account_get(*, workspace: Workspace) -> BillingAccount:
    """The workspace's account; before its first use, the account it will open with (unsaved:
    the trial and its credits), so reading never writes."""
    account = BillingAccount.objects.for_workspace(workspace).first()
    if account is not None:
        return account
    decision = trial_decision(workspace)
    credits = (PLANS[PlanCode.TRIAL].monthly_credits or 0) if decision.granted else 0
    return BillingAccount(
        workspace=workspace,
        credit_balance=credits,
        period_granted=credits,
        **billing_account_defaults(workspace, trial=decision),
    )


@dataclass(frozen=True)
class SeatUsage:
    members: int
    invitations: int
    limit: int | None

    @property
    def used(self) -> int:
        return self.members + self.invitations

    @property
    def full(self) -> bool:
        return self.limit is not None and self.used >= self.limit


def _open_invitations(workspace: Workspace) -> QuerySet[Invitation]:
    return Invitation.objects.for_workspace(workspace).filter(
        accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    )


def seat_usage(*, workspace: Workspace, plan: Plan) -> SeatUsage:
    """Seats taken: members, and open invitations (each holds the seat it would fill)."""
    return SeatUsage(
        members=Membership.objects.for_workspace(workspace).count(),
        invitations=_open_invitations(workspace).count(),
        limit=plan.seats,
    )


def invitation_is_open(*, workspace: Workspace, email: str) -> bool:
    """An open invitation to ``email`` already holds a seat (sending it again takes none)."""
    return _open_invitations(workspace).filter(email__iexact=email).exists()


def work_entry_get(*, workspace: Workspace | int, key: str) -> CreditEntry | None:
    """The ledger row under ``key`` (a full ledger key, ``work:…``, ``refund:work:…``)."""
    return CreditEntry.objects.for_workspace(workspace).filter(key=key).first()


def accounts_due_for_renewal(*, now: datetime) -> list[int]:
    """Workspaces whose plan, assigned without Stripe, has come to the end of its period."""
    return list(
        BillingAccount.objects.all_workspaces()  # site-wide: the hourly renewal sweep
        .filter(stripe_subscription_id="", current_period_end__lte=now)
        .exclude(plan__in=[PlanCode.TRIAL, PlanCode.UNLIMITED])
        .values_list("workspace_id", flat=True)
    )


def overage_unreported(*, settled_before: datetime, limit: int = 500) -> list[tuple[int, int]]:
    """``(workspace_id, entry_id)`` of settled overage never reported to Stripe's meter."""
    return list(
        CreditEntry.objects.all_workspaces()  # site-wide: the sweep after a broker outage
        .filter(
            entry_type=EntryType.DEBIT,
            state=EntryState.SETTLED,
            overage__gt=0,
            overage_reported_at__isnull=True,
            settled_at__lt=settled_before,
        )
        .values_list("workspace_id", "pk")[:limit]
    )


def stripe_customer_holder(*, customer: str, besides: BillingAccount) -> int | None:
    """The workspace whose account already has this Stripe customer, other than ``besides``."""
    return (
        BillingAccount.objects.all_workspaces()  # site-wide: Stripe's ids are global
        .filter(stripe_customer_id=customer)
        .exclude(pk=besides.pk)
        .values_list("workspace_id", flat=True)
        .first()
    )


def _work_entries(workspace: Workspace) -> QuerySet[CreditEntry]:
    return CreditEntry.objects.for_workspace(workspace).filter(
        entry_type__in=[EntryType.DEBIT, EntryType.REFUND]
    )


def credits_used_since(*, workspace: Workspace, since: datetime | None) -> int:
    """Credits that work cost since ``since`` (refunds subtracted, overage included)."""
    entries = _work_entries(workspace)
    if since is not None:
        entries = entries.filter(created_at__gte=since)
    return entries.aggregate(total=Sum("cost"))["total"] or 0


def credit_usage_by_day(
    *, workspace: Workspace, days: int = 30, today: date | None = None
) -> tuple[list[date], dict[date, dict[str, int]]]:
    """Credits used per local day and kind of work over the last ``days`` days."""
    today = today or timezone.localdate()
    first = today - timedelta(days=days - 1)
    start = timezone.make_aware(datetime.combine(first, datetime.min.time()))
    rows = (
        _work_entries(workspace)
        .filter(created_at__gte=start)
        .annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
        .values("day", "work_kind")
        .annotate(credits=Sum("cost"))
        .order_by()
    )
    usage: dict[date, dict[str, int]] = {}
    for row in rows:
        usage.setdefault(row["day"], {})[row["work_kind"]] = row["credits"] or 0
    return [first + timedelta(days=n) for n in range(days)], usage


def usage_chart_for(*, workspace: Workspace, days: int = 30) -> StackedBarChart:
    day_list, usage = credit_usage_by_day(workspace=workspace, days=days)
    return usage_chart(day_list, usage)


def invoice_list(*, workspace: Workspace, limit: int = 12) -> list[Invoice]:
    return list(Invoice.objects.for_workspace(workspace)[:limit])


def credit_entry_recent(*, workspace: Workspace, limit: int = 15) -> list[CreditEntry]:
    return list(CreditEntry.objects.for_workspace(workspace)[:limit])


@dataclass(frozen=True)
class BillingNotice:
    level: str  # a Bootstrap alert level
    message: str


def billing_notice(
    *, workspace: Workspace, account: BillingAccount | None = None
) -> BillingNotice | None:
    """The banner every member sees while the plan needs attention."""
    account = account or billing_account_get(workspace=workspace)
    now = timezone.now()
    plan = account.plan_obj
    if account.status in OVERDUE_STATUSES:
        ends = grace_ends_at(account)
        if ends is not None and now < ends:
            return BillingNotice(
                "warning",
                f"A payment for {workspace.name} failed. Work continues until {human_date(ends)}; "
                "update the payment method before then to avoid an interruption.",
            )
    refusal = work_refusal(account, now)
    if refusal:
        return BillingNotice("danger", refusal)
    if (
        account.plan == PlanCode.TRIAL
        and account.trial_ends_at
        and account.trial_ends_at - now <= timedelta(days=3)
    ):
        return BillingNotice(
            "info",
            f"The free trial ends on {human_date(account.trial_ends_at)}. Choose a plan "
            "to keep generating after that.",
        )
    if not plan.unlimited and account.credit_balance <= 0 and not overage_allowed(account):
        return BillingNotice(
            "warning",
            f"{workspace.name} has used all its credits for this period. New work waits for "
            "the next grant or an upgrade.",
        )
    if account.cancel_at_period_end and account.current_period_end:
        return BillingNotice(
            "info",
            f"The subscription ends on {human_date(account.current_period_end)}; your work stays "
            "available to read after that.",
        )
    return None


def plan_choices(*, account: BillingAccount) -> list[Plan]:
    """Plans a billing manager can move to from the billing page."""
    if stripe_adapter.stripe_configured():
        return [PLANS[code] for code in PAID_PLAN_CODES if PLANS[code].stripe_price_id]
    return [PLANS[code] for code in (*PAID_PLAN_CODES, PlanCode.UNLIMITED)]


def billing_overview(*, workspace: Workspace) -> dict[str, Any]:
    """Everything the billing page shows."""
    account = billing_account_get(workspace=workspace)
    plan = account.plan_obj
    stripe_enabled = stripe_adapter.stripe_configured()
    return {
        "account": account,
        "plan": plan,
        "stripe_enabled": stripe_enabled,
        "renewal_date": None if plan.unlimited else account.current_period_end,
        "seats": seat_usage(workspace=workspace, plan=plan),
        "credits_used": credits_used_since(workspace=workspace, since=account.current_period_start),
        "credits_left": None if plan.unlimited else account.credit_balance,
        "overage_allowed": overage_allowed(account),
        "usage_chart": usage_chart_for(workspace=workspace),
        "invoices": invoice_list(workspace=workspace) if stripe_enabled else [],
        "entries": credit_entry_recent(workspace=workspace),
        "plan_choices": plan_choices(account=account),
        "notice": billing_notice(workspace=workspace, account=account),
        "can_open_portal": stripe_enabled and bool(account.stripe_customer_id),
        "trial_policy": trial_policy(),
    }


def pricing_table() -> dict[str, Any]:
    return {
        "plans": plans_for_pricing_table(),
        "stripe_enabled": stripe_adapter.stripe_configured(),
        "unlimited": PLANS[PlanCode.UNLIMITED],
        "trial_days": settings.BILLING_TRIAL_DAYS,
        "trial_policy": trial_policy(),
    }


def billing_summary(*, workspace: Workspace) -> dict[str, Any]:
    """The plan card on the owner's and admin's dashboard."""
    account = billing_account_get(workspace=workspace)
    plan = account.plan_obj
    return {
        "plan": plan,
        "account": account,
        "renewal_date": None if plan.unlimited else account.current_period_end,
        "credits_left": None if plan.unlimited else account.credit_balance,
        "seats": seat_usage(workspace=workspace, plan=plan),
    }


@dataclass(frozen=True)
class CreditEstimate:
    """What a run will cost before it starts: units × the plan's cost per unit (the cost
    table in ``apps.billing.plans``, priced as ``apps.billing.costs`` charges it), against the
    balance left."""

    kind: str
    units: int
    unit_cost: int | None  # None: the plan has no cost for this kind (the run is refused)
    balance: int
    plan_name: str
    unlimited: bool
    overage: bool  # work past the balance is billed as overage instead of refused
    refusal: str = ""  # why no work may start now (trial over, subscription cancelled)
    upgrade_url: str = ""

    @property
    def cost(self) -> int:
        return self.units * (self.unit_cost or 0)

    @property
    def beyond_balance(self) -> int:
        return 0 if self.unlimited else max(0, self.cost - self.balance)

    @property
    def can_start(self) -> bool:
        if self.refusal or self.unit_cost is None:
            return False
        return self.unlimited or self.beyond_balance == 0 or self.overage

    @property
    def sentence(self) -> str:
        """One line for the form ("This run will use 12 credits of your 300.")."""
        credits = f"{self.cost} credit{'' if self.cost == 1 else 's'}"
        if self.refusal:
            return self.refusal
        if self.unit_cost is None:
            return f"This kind of work has no credit cost on the {self.plan_name} plan."
        if self.unlimited:
            return f"This run will use {credits}; the {self.plan_name} plan has no credit limit."
        if self.beyond_balance and self.overage:
            return (
                f"This run will use {credits} of your {self.balance}; the "
                f"{self.beyond_balance} beyond them are billed as overage."
            )
        if self.beyond_balance:
            return (
                f"This run needs {credits} and {self.balance} "
                f"{'is' if self.balance == 1 else 'are'} left on the {self.plan_name} plan."
            )
        return f"This run will use {credits} of your {self.balance}."


def credit_estimate(*, workspace: Workspace, kind: str, units: int) -> CreditEstimate:
    """The cost of ``units`` of ``kind`` for this workspace now (no writes, no reservation)."""
    account = billing_account_get(workspace=workspace)
    plan = account.plan_obj
    return CreditEstimate(
        kind=kind,
        units=max(0, units),
        unit_cost=plan.cost_of(kind),
        balance=account.credit_balance,
        plan_name=plan.name,
        unlimited=plan.unlimited,
        overage=overage_allowed(account),
        refusal=work_refusal(account) or "",
        upgrade_url=upgrade_url(workspace),
    )
