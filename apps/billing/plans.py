"""The plans, in one place: seats, monthly credits, overage, and what each kind of work costs.

Prices live in Stripe; a plan names the setting that holds its Stripe price id
(``STRIPE_PRICE_STARTER`` …), read when it is needed so a changed setting takes effect without a
code change. ``Plan.monthly_price`` is only the figure shown on the pricing page.

A *kind of work* is what a caller reserves credits for (``credits_reserve(kind=...)``): one unit
is one copy variant, one image operation, one brand-profile training run. Work of a kind that
has no cost here is refused (``NoCostEstimate``), never run free.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from django.conf import settings
from django.db import models


class PlanCode(models.TextChoices):
    TRIAL = "trial", "Free trial"
    STARTER = "starter", "Starter"
    GROWTH = "growth", "Growth"
    SCALE = "scale", "Scale"
    UNLIMITED = "unlimited", "Unlimited (self-hosted)"


class WorkKind(models.TextChoices):
    """Kinds of billable work. Other apps pass these values to the credit services."""

    COPY_VARIANT = "copy_variant", "Copy variant"
    IMAGE_OPERATION = "image_operation", "Image operation"
    TRAINING_RUN = "training_run", "Brand-profile training run"


# Credits per unit of work. A plan may override single entries (none does today).
STANDARD_CREDIT_COSTS: Mapping[str, int] = MappingProxyType(
    {
        WorkKind.COPY_VARIANT: 1,
        WorkKind.IMAGE_OPERATION: 5,
        WorkKind.TRAINING_RUN: 100,
    }
)


@dataclass(frozen=True)
class Plan:
    code: str
    name: str
    summary: str
    # None: no limit (the self-hosted "unlimited" assignment).
    seats: int | None
    monthly_credits: int | None
    # Work beyond the monthly credits is billed through a Stripe meter instead of refused.
    overage: bool
    monthly_price: int | None = None  # whole US dollars, for the pricing table only
    price_setting: str = ""  # the settings name holding the Stripe price id
    # Only in self-hosted mode or by a site administrator; never sold through Checkout.
    self_hosted_only: bool = False
    credit_costs: Mapping[str, int] = field(default=STANDARD_CREDIT_COSTS)

    @property
    def unlimited(self) -> bool:
        return self.monthly_credits is None

    @property
    def stripe_price_id(self) -> str:
        return getattr(settings, self.price_setting, "") if self.price_setting else ""

    @property
    def is_paid(self) -> bool:
        return bool(self.price_setting)

    def cost_of(self, kind: str) -> int | None:
        """Credits for one unit of ``kind``; None when this plan has no estimate for it."""
        return self.credit_costs.get(kind)

    @property
    def cost_rows(self) -> list[tuple[str, int]]:
        return [(WorkKind(kind).label, cost) for kind, cost in self.credit_costs.items()]


PLANS: dict[str, Plan] = {
    PlanCode.TRIAL: Plan(
        code=PlanCode.TRIAL,
        name="Free trial",
        summary="Try everything with a small team before you choose a plan.",
        seats=3,
        monthly_credits=300,
        overage=False,
    ),
    PlanCode.STARTER: Plan(
        code=PlanCode.STARTER,
        name="Starter",
        summary="A small team writing copy for one store.",
        seats=3,
        monthly_credits=2_000,
        overage=False,
        monthly_price=49,
        price_setting="STRIPE_PRICE_STARTER",
    ),
    PlanCode.GROWTH: Plan(
        code=PlanCode.GROWTH,
        name="Growth",
        summary="Copy and photos for a growing catalog; keep working past your credits.",
        seats=10,
        monthly_credits=10_000,
        overage=True,
        monthly_price=199,
        price_setting="STRIPE_PRICE_GROWTH",
    ),
    PlanCode.SCALE: Plan(
        code=PlanCode.SCALE,
        name="Scale",
        summary="Large catalogs, many brands and a whole content team.",
        seats=50,
        monthly_credits=50_000,
        overage=True,
        monthly_price=799,
        price_setting="STRIPE_PRICE_SCALE",
    ),
    PlanCode.UNLIMITED: Plan(
        code=PlanCode.UNLIMITED,
        name="Unlimited",
        summary="Your own installation: no seat or credit limits.",
        seats=None,
        monthly_credits=None,
        overage=False,
        self_hosted_only=True,
    ),
}

PAID_PLAN_CODES = (PlanCode.STARTER, PlanCode.GROWTH, PlanCode.SCALE)


def plan_get(code: str) -> Plan:
    """The plan called ``code``; an unknown code (a plan since removed) reads as the trial."""
    return PLANS.get(code) or PLANS[PlanCode.TRIAL]


def plan_for_price(price_id: str) -> Plan | None:
    """The plan sold at Stripe price ``price_id``, or None."""
    if not price_id:
        return None
    for plan in PLANS.values():
        if plan.stripe_price_id and plan.stripe_price_id == price_id:
            return plan
    return None


def plans_for_pricing_table() -> list[Plan]:
    return [PLANS[code] for code in (PlanCode.TRIAL, *PAID_PLAN_CODES)]
