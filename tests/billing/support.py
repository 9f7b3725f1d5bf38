"""Helpers for the billing tests: the fake Stripe API, event builders, ledger checks."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any

import stripe
from django.db.models import Sum

from apps.billing.models import BillingAccount, CreditEntry
from apps.billing.services import accounts, credits

WEBHOOK_SECRET = "whsec_test_secret"
PRICES = {
    "STRIPE_PRICE_STARTER": "price_starter",
    "STRIPE_PRICE_GROWTH": "price_growth",
    "STRIPE_PRICE_SCALE": "price_scale",
}
WEBHOOK_URL = "/billing/stripe/webhook/"


@dataclass
class Recorded:
    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]


@dataclass
class FakeStripe:
    """Answers the few Stripe endpoints we call and records what was sent."""

    url: str = ""
    requests: list[Recorded] = field(default_factory=list)
    fail: dict[str, int] = field(default_factory=dict)  # path -> HTTP status to answer
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    def sent(self, path: str) -> list[dict[str, str]]:
        return [r.params for r in self.requests if r.path == path]

    def respond(self, path: str, params: dict[str, str]) -> tuple[int, dict]:
        if path in self.fail:
            return self.fail[path], {
                "error": {"type": "api_error", "message": "Something went wrong (fake)."}
            }
        n = next(self._ids)
        if path == "/v1/customers":
            return 200, {"id": f"cus_fake{n}", "object": "customer"}
        if path == "/v1/checkout/sessions":
            return 200, {
                "id": f"cs_test_{n}",
                "object": "checkout.session",
                "url": f"https://checkout.stripe.com/c/pay/cs_test_{n}",
            }
        if path == "/v1/billing_portal/sessions":
            return 200, {
                "id": f"bps_{n}",
                "object": "billing_portal.session",
                "url": f"https://billing.stripe.com/p/session/test_{n}",
            }
        if path == "/v1/billing/meter_events":
            return 200, {
                "object": "billing.meter_event",
                "event_name": params.get("event_name"),
                "identifier": params.get("identifier"),
            }
        if path == "/v1/billing/meter_event_adjustments":
            return 200, {"id": f"mea_{n}", "object": "billing.meter_event_adjustment"}
        return 404, {"error": {"type": "invalid_request_error", "message": f"No route {path}"}}


_event_ids = itertools.count(1)


def make_event(
    event_type: str, obj: dict, *, created: int | None = None, event_id: str = ""
) -> dict:
    return {
        "id": event_id or f"evt_test_{next(_event_ids)}_{time.monotonic_ns()}",
        "object": "event",
        "type": event_type,
        "created": created if created is not None else int(time.time()),
        "livemode": False,
        "api_version": "2026-10-28.endive",
        "data": {"object": obj},
    }


def subscription_obj(
    *,
    customer: str,
    sub_id: str = "sub_1",
    status: str = "active",
    price: str = "price_starter",
    period_start: int = 1_780_000_000,
    period_end: int = 1_782_592_000,
    cancel_at_period_end: bool = False,
    workspace_id: int | None = None,
) -> dict:
    return {
        "id": sub_id,
        "object": "subscription",
        "customer": customer,
        "status": status,
        "cancel_at_period_end": cancel_at_period_end,
        "trial_end": None,
        "metadata": {"workspace_id": str(workspace_id)} if workspace_id else {},
        "items": {
            "object": "list",
            "data": [
                {
                    "id": f"si_{sub_id}",
                    "object": "subscription_item",
                    "price": {"id": price, "object": "price"},
                    "current_period_start": period_start,
                    "current_period_end": period_end,
                }
            ],
        },
    }


def invoice_obj(
    *,
    customer: str,
    invoice_id: str = "in_1",
    sub_id: str = "sub_1",
    price: str = "price_starter",
    billing_reason: str = "subscription_cycle",
    status: str = "paid",
    amount: int = 4900,
    period_start: int = 1_780_000_000,
    period_end: int = 1_782_592_000,
) -> dict:
    return {
        "id": invoice_id,
        "object": "invoice",
        "customer": customer,
        "number": f"ATL-{invoice_id}",
        "status": status,
        "billing_reason": billing_reason,
        "amount_due": amount,
        "amount_paid": amount if status == "paid" else 0,
        "currency": "usd",
        "created": int(time.time()),
        # Stripe's own invoice period is the usage period before the one the plan line pays for.
        "period_start": period_start - (period_end - period_start),
        "period_end": period_start,
        "hosted_invoice_url": f"https://invoice.stripe.com/i/{invoice_id}",
        "invoice_pdf": f"https://pay.stripe.com/invoice/{invoice_id}/pdf",
        "parent": {
            "type": "subscription_details",
            "subscription_details": {"subscription": sub_id, "metadata": {}},
        },
        "lines": {
            "object": "list",
            "data": [
                {
                    "id": f"il_{invoice_id}",
                    "object": "line_item",
                    "pricing": {"type": "price_details", "price_details": {"price": price}},
                    "period": {"start": period_start, "end": period_end},
                }
            ],
        },
    }


def sign(payload: str, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    return stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp=timestamp)


def set_balance(workspace, balance: int) -> None:
    """Bring the balance to ``balance`` through the ledger (so balance == sum of the ledger)."""
    account = accounts.billing_account_ensure(workspace=workspace)
    delta = balance - account.credit_balance
    if delta:
        credits.credits_adjust(
            workspace=workspace,
            site_admin=None,
            credits=delta,
            key=f"test-{time.monotonic_ns()}",
            reason="test setup",
        )


def ledger_sum(workspace) -> int:
    total = CreditEntry.objects.for_workspace(workspace).aggregate(total=Sum("credits"))["total"]
    return total or 0


def balance_of(workspace) -> int:
    return BillingAccount.objects.for_workspace(workspace).get().credit_balance
