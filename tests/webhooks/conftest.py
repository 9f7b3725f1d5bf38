import hashlib
import hmac
import threading

import pytest

from apps.core import events


def verify_signature(header: str, body: bytes, secret: str) -> list[str]:
    """Check ``Atelier-Signature`` the way a receiver would, from the header's spec alone (not
    with the app's own helper): ``t=<unix>,v1=<hex>[,v1=<hex>…]`` where each v1 is the hex
    HMAC-SHA256 of ``f"{t}.{body}"`` under the secret. Returns the matching v1 values."""
    pairs = [part.split("=", 1) for part in header.split(",")]
    timestamp = [value for key, value in pairs if key == "t"]
    signatures = [value for key, value in pairs if key == "v1"]
    assert len(timestamp) == 1 and timestamp[0].isdigit(), header
    expected = hmac.new(
        secret.encode("utf-8"), timestamp[0].encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    return [s for s in signatures if hmac.compare_digest(s, expected)]


@pytest.fixture
def review_events_registered():
    """copy.approved / photo.approved belong to the review seam; register them for the test
    if that app has not (yet), and forget them afterwards."""
    added = [
        (name, label)
        for name, label in [
            ("copy.approved", "Copy approved"),
            ("photo.approved", "Photo approved"),
        ]
        if name not in events.event_names()
    ]
    events.register_events(added)
    yield
    for name, _ in added:
        events._names.pop(name, None)


@pytest.fixture
def allow_loopback(settings):
    """The operator's allow-list lets the loopback receivers through (tests only)."""
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]


@pytest.fixture
def fast_retries(settings):
    settings.WEBHOOK_RETRY_SCHEDULE = [0, 0, 0]


class FlakyAnswer:
    """Answers 500 to the first ``fail`` requests, then 200; the 500s carry a body the app
    must never store or show."""

    LEAK = b"internal stack trace: db password hunter2"

    def __init__(self, fail: int) -> None:
        self.fail = fail
        self.calls = 0
        self.lock = threading.Lock()

    def __call__(self, path):
        with self.lock:
            self.calls += 1
            failing = self.calls <= self.fail
        if failing:
            return 500, {"Content-Type": "text/plain"}, self.LEAK
        return 200, {"Content-Type": "application/json"}, b'{"ok":true}'


@pytest.fixture
def flaky_receiver(loopback_servers):
    """``receiver = flaky_receiver(fail=2)``: a real HTTP server on 127.0.0.1 that fails first."""

    def start(fail: int = 0):
        answer = FlakyAnswer(fail)
        server = loopback_servers(answer)
        server.flaky = answer
        return server

    return start
