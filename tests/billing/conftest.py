"""Billing fixtures: a loopback fake of Stripe's API, Stripe settings, signed webhooks.

Nothing here reaches the internet: the real ``stripe`` client is pointed at a
``http.server`` on 127.0.0.1 through ``STRIPE_API_BASE`` (``StripeClient(base_addresses=...)``),
and every test runs with connections to anything but loopback refused (tests/conftest.py).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

import pytest

from apps.billing.models import BillingAccount, SubscriptionStatus
from apps.billing.services import accounts
from tests.billing.support import (
    PRICES,
    WEBHOOK_SECRET,
    WEBHOOK_URL,
    FakeStripe,
    Recorded,
    set_balance,
    sign,
)


@pytest.fixture
def fake_stripe():
    fake = FakeStripe()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode()
            params = dict(parse_qsl(body, keep_blank_values=True))
            fake.requests.append(Recorded("POST", self.path, params, dict(self.headers)))
            status, payload = fake.respond(self.path, params)
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Request-Id", f"req_fake_{len(fake.requests)}")
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):  # keep test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture
def stripe_on(settings, fake_stripe):
    """Stripe mode, with the client pointed at the loopback fake."""
    settings.STRIPE_SECRET_KEY = "sk_test_fake"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = fake_stripe.url
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    settings.STRIPE_PRICE_OVERAGE = "price_overage"
    settings.STRIPE_METER_EVENT_NAME = "atelier_credits"
    for name, value in PRICES.items():
        setattr(settings, name, value)
    return fake_stripe


@pytest.fixture
def post_event(client):
    """POST an event to the webhook, signed like Stripe signs it (or as told)."""

    def post(
        event: dict,
        *,
        secret: str = WEBHOOK_SECRET,
        timestamp: int | None = None,
        signature: str | None = None,
        payload: str | None = None,
    ):
        body = payload if payload is not None else json.dumps(event)
        header = (
            signature if signature is not None else sign(body, secret=secret, timestamp=timestamp)
        )
        return client.post(
            WEBHOOK_URL, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
        )

    return post


@pytest.fixture
def subscribed(workspace, stripe_on):
    """``workspace`` as a Stripe customer with a live subscription on ``plan``."""

    def make(
        plan: str = "starter",
        *,
        customer: str = "cus_live",
        sub_id: str = "sub_live",
        status: str = SubscriptionStatus.ACTIVE,
        balance: int | None = None,
    ) -> BillingAccount:
        account = accounts.billing_account_ensure(workspace=workspace)
        BillingAccount.objects.for_workspace(workspace).filter(pk=account.pk).update(
            plan=plan,
            status=status,
            stripe_customer_id=customer,
            stripe_subscription_id=sub_id,
            stripe_subscription_item_id=f"si_{sub_id}",
        )
        if balance is not None:
            set_balance(workspace, balance)
        return BillingAccount.objects.for_workspace(workspace).get()

    return make
