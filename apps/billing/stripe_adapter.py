"""The only module that imports ``stripe`` (ruff bans the SDK everywhere else).

Small functions over ``stripe.StripeClient`` that take and return plain values, so the rest of
the app never sees a Stripe object. ``STRIPE_API_BASE`` points the client at another address
(the tests' loopback fake); nothing else changes between tests and production.
"""

from __future__ import annotations

import json
import logging
from functools import lru_cache
from typing import Any

import stripe
from django.conf import settings

from apps.billing.errors import StripeUnavailable, WebhookRejected

logger = logging.getLogger(__name__)


def stripe_configured() -> bool:
    """Stripe mode (checkout, portal, webhooks) when a secret key is set; self-hosted otherwise."""
    return bool(settings.STRIPE_SECRET_KEY)


@lru_cache(maxsize=4)
def _client_for(api_key: str, api_base: str, retries: int) -> stripe.StripeClient:
    if not api_base:
        return stripe.StripeClient(api_key, max_network_retries=retries)
    return stripe.StripeClient(
        api_key,
        base_addresses={"api": api_base, "meter_events": api_base},
        max_network_retries=retries,
    )


def _client() -> stripe.StripeClient:
    if not stripe_configured():
        raise StripeUnavailable("Payments through Stripe are not set up on this installation.")
    return _client_for(
        settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE, settings.STRIPE_MAX_NETWORK_RETRIES
    )


def _call(what: str, function, *args, **kwargs) -> Any:
    try:
        return function(*args, **kwargs)
    except stripe.StripeError as error:
        # The message Stripe gives is for developers; log it, show people something plainer.
        logger.warning("Stripe %s failed: %s", what, error)
        raise StripeUnavailable(
            f"Stripe could not {what} just now. Nothing was changed; please try again in a minute."
        ) from error


def customer_create(*, workspace_id: int, name: str, email: str) -> str:
    """A Stripe customer for the workspace; the idempotency key makes a double click one."""
    customer = _call(
        "set up the customer",
        _client().v1.customers.create,
        {"name": name, "email": email, "metadata": {"workspace_id": str(workspace_id)}},
        {"idempotency_key": f"atelier-customer-workspace-{workspace_id}"},
    )
    return customer.id


def checkout_session_create(
    *,
    customer: str,
    price: str,
    metered_price: str,
    success_url: str,
    cancel_url: str,
    client_reference_id: str,
    metadata: dict[str, str],
) -> str:
    """A subscription Checkout session; returns the URL to send the person to."""
    line_items: list[dict[str, Any]] = [{"price": price, "quantity": 1}]
    if metered_price:
        # Usage-based prices take no quantity: Stripe bills what the meter recorded.
        line_items.append({"price": metered_price})
    session = _call(
        "start the checkout",
        _client().v1.checkout.sessions.create,
        {
            "mode": "subscription",
            "customer": customer,
            "line_items": line_items,
            "success_url": success_url,
            "cancel_url": cancel_url,
            "client_reference_id": client_reference_id,
            "metadata": metadata,
            "subscription_data": {"metadata": metadata},
        },
    )
    return session.url


def portal_session_create(
    *,
    customer: str,
    return_url: str,
    subscription: str = "",
    subscription_item: str = "",
    price: str = "",
) -> str:
    """A customer-portal session; with a subscription and price, it opens on the plan change."""
    params: dict[str, Any] = {"customer": customer, "return_url": return_url}
    if subscription and subscription_item and price:
        params["flow_data"] = {
            "type": "subscription_update_confirm",
            "subscription_update_confirm": {
                "subscription": subscription,
                "items": [{"id": subscription_item, "price": price, "quantity": 1}],
            },
            "after_completion": {"type": "redirect", "redirect": {"return_url": return_url}},
        }
    elif subscription:
        params["flow_data"] = {
            "type": "subscription_update",
            "subscription_update": {"subscription": subscription},
        }
    session = _call("open the billing portal", _client().v1.billing_portal.sessions.create, params)
    return session.url


def meter_event_create(
    *, event_name: str, customer: str, value: int, identifier: str, timestamp: int
) -> None:
    """Report ``value`` units of overage; Stripe drops a repeated ``identifier``."""
    _call(
        "record the usage",
        _client().v1.billing.meter_events.create,
        {
            "event_name": event_name,
            "identifier": identifier,
            "timestamp": timestamp,
            "payload": {"stripe_customer_id": customer, "value": str(value)},
        },
    )


def meter_event_cancel(*, event_name: str, identifier: str) -> None:
    """Withdraw a reported meter event (its work was refunded)."""
    _call(
        "withdraw the usage",
        _client().v1.billing.meter_event_adjustments.create,
        {"event_name": event_name, "type": "cancel", "cancel": {"identifier": identifier}},
    )


def webhook_event(*, payload: bytes, signature: str | None) -> dict[str, Any]:
    """The event in a webhook body, after the ``stripe`` library checked its signature and age.

    Raises :class:`WebhookRejected` for a missing or wrong signature, a timestamp older than
    ``STRIPE_WEBHOOK_TOLERANCE_SECONDS`` (a replay), or a body that is not an event.
    """
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret:
        raise WebhookRejected("STRIPE_WEBHOOK_SECRET is not set.")
    try:
        # Stripe signs (and sends) UTF-8 JSON; anything else is not from Stripe.
        text = payload.decode("utf-8") if isinstance(payload, bytes | bytearray) else payload
    except UnicodeDecodeError:
        raise WebhookRejected("The body is not UTF-8 text.") from None
    try:
        stripe.WebhookSignature.verify_header(
            text, signature, secret, settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS
        )
    except stripe.SignatureVerificationError as error:
        raise WebhookRejected(str(error)) from None
    try:
        event = json.loads(text)
    except ValueError:
        raise WebhookRejected("The body is not JSON.") from None
    if not isinstance(event, dict) or not all(k in event for k in ("id", "type", "created")):
        raise WebhookRejected("The body is not a Stripe event.")
    if not isinstance(event.get("data"), dict) or not isinstance(event["data"].get("object"), dict):
        raise WebhookRejected("The event has no data object.")
    return event
