"""What work costs, and how a charge splits between the balance and overage (no queries).

Shared by single reservations (``services.credits``) and batches (``services.batches``), so both
refuse, price and split a charge the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from apps.billing.errors import BillingInactive, NoCostEstimate, OutOfCredits
from apps.billing.models import BillingAccount, CreditEntry
from apps.billing.plans import Plan, WorkKind
from apps.billing.rules import human_date, overage_allowed, upgrade_url, work_refusal
from apps.core.errors import ServiceError
from apps.workspaces.models import Workspace

WORK_KEY_MAX_LENGTH = 180


@dataclass(frozen=True)
class Reservation:
    """Credits held (or charged) for one unit of work, as the ledger records it."""

    key: str
    kind: str
    units: int
    cost: int  # credits this work costs (balance part + overage)
    from_balance: int  # taken from the monthly credits
    overage: int  # beyond the balance, billed through Stripe's meter
    state: str  # "reserved", "settled", "released" or "refunded"

    @classmethod
    def from_entry(cls, entry: CreditEntry, *, refunded: bool = False) -> Reservation:
        return cls(
            key=entry.key.removeprefix("work:"),
            kind=entry.work_kind,
            units=entry.units,
            cost=entry.cost,
            from_balance=-entry.credits,
            overage=entry.overage,
            state="refunded" if refunded else entry.state,
        )


def check_units(units: int) -> None:
    if not isinstance(units, int) or isinstance(units, bool) or units < 1:
        raise ServiceError(f"Units must be a whole number of at least 1, not {units!r}.")


def work_key(key: str) -> str:
    """The ledger key of a unit of work named ``key`` by its caller."""
    key = (key or "").strip()
    if not key or len(key) > WORK_KEY_MAX_LENGTH:
        raise ServiceError(
            f"A unit of work needs a key of 1 to {WORK_KEY_MAX_LENGTH} characters (its id)."
        )
    return f"work:{key}"


def unit_cost(plan: Plan, kind: str) -> int:
    cost = plan.cost_of(kind)
    if cost is None:
        raise NoCostEstimate(
            f"“{kind}” has no credit cost on the {plan.name} plan, so it cannot be charged and "
            "is not run. (Known kinds: " + ", ".join(sorted(plan.credit_costs)) + ".)"
        )
    return cost


def refuse_if_inactive(account: BillingAccount, workspace: Workspace) -> None:
    reason = work_refusal(account)
    if reason:
        url = upgrade_url(workspace)
        raise BillingInactive(f"{reason} Billing: {url}", upgrade_url=url)


def out_of_credits(
    *, workspace: Workspace, account: BillingAccount, cost: int, kind: str, units: int
) -> OutOfCredits:
    url = upgrade_url(workspace)
    plan = account.plan_obj
    when = (
        f" New credits arrive on {human_date(account.current_period_end)}."
        if account.current_period_end and plan.is_paid
        else ""
    )
    label = WorkKind(kind).label.lower() if kind in WorkKind.values else kind
    return OutOfCredits(
        f"Not enough credits: this needs {cost} ({units} × {label}) and {account.credit_balance} "
        f"{'is' if account.credit_balance == 1 else 'are'} left on the {plan.name} plan.{when} "
        f"Upgrade for more credits: {url}",
        upgrade_url=url,
    )


def balance_share(
    account: BillingAccount, *, workspace: Workspace, cost: int, kind: str, units: int
) -> int:
    """How much of ``cost`` comes off the balance; the rest is overage. Refuses with
    ``OutOfCredits`` when the balance falls short and the plan allows no overage. Work on an
    unlimited plan takes nothing from the balance."""
    if account.plan_obj.unlimited:
        return 0
    take = min(account.credit_balance, cost)
    if take < cost and not overage_allowed(account):
        raise out_of_credits(
            workspace=workspace, account=account, cost=cost, kind=kind, units=units
        )
    return take
