"""Refusals the billing services raise. All are ``ServiceError``s with a message for people."""

from __future__ import annotations

from apps.core.errors import ServiceError


class BillingRefusal(ServiceError):
    """Work or an invitation refused for the plan's sake; ``upgrade_url`` is where to fix it.

    API views answer these with HTTP 402 (``apps.billing.http.payment_required``).
    """

    def __init__(self, message: str, *, upgrade_url: str = "", code: str = "billing") -> None:
        super().__init__(message, code=code, fix_url=upgrade_url, fix_label="See the plans")
        self.upgrade_url = upgrade_url


class OutOfCredits(BillingRefusal):
    """Not enough credits left and the plan does not allow overage."""

    def __init__(self, message: str, *, upgrade_url: str = "") -> None:
        super().__init__(message, upgrade_url=upgrade_url, code="out_of_credits")


class BillingInactive(BillingRefusal):
    """The trial ended, the subscription was cancelled, or a payment is overdue beyond the
    grace period: existing work stays readable, new work is refused."""

    def __init__(self, message: str, *, upgrade_url: str = "") -> None:
        super().__init__(message, upgrade_url=upgrade_url, code="billing_inactive")


class SeatLimitReached(BillingRefusal):
    def __init__(self, message: str, *, upgrade_url: str = "") -> None:
        super().__init__(message, upgrade_url=upgrade_url, code="seat_limit")


class NoCostEstimate(ServiceError):
    """Work of a kind without a credit cost: refused rather than run free."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="no_cost_estimate")


class StripeUnavailable(ServiceError):
    """Stripe refused or could not be reached; nothing was changed on our side."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="stripe_unavailable")


class WebhookRejected(Exception):
    """A webhook whose signature, timestamp or body is not acceptable (answered with 400)."""


class UnknownStripePrice(Exception):
    """A subscription of ours at a price no plan names: a configuration error. Raised so the
    event fails (500) and Stripe retries it once STRIPE_PRICE_* is fixed."""
