"""One HTTP POST to a receiver, through the outbound guard, summarised for people.

The client is built on :func:`apps.core.netguard.guarded_transport`, so the address of every
connection is checked after DNS resolution (a name that now resolves to a private address is
refused). Redirects are not followed: like Stripe, a 3xx answer counts as a failure, and no
connection is ever opened to where it points. The receiver's body is never read, stored or
shown; what people see is the status code and a summary we write ourselves.
"""

from dataclasses import dataclass
from http import HTTPStatus
from time import monotonic

import httpx2
from django.conf import settings

from apps.core import netguard

USER_AGENT = "Atelier-Webhooks/1"


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status_code: int | None
    summary: str
    duration_ms: int


def _status_summary(code: int) -> str:
    try:
        phrase = HTTPStatus(code).phrase  # our words, not the receiver's reason phrase
    except ValueError:
        phrase = "Unknown status"
    if 200 <= code < 300:
        return f"{code} {phrase}"
    if 300 <= code < 400:
        return f"{code} {phrase}: redirects are not followed; use the final address"
    return f"{code} {phrase}"


def _error_summary(error: Exception, timeout: float) -> str:
    refusal = netguard.refusal_in(error)
    if refusal is not None:
        return f"Refused by the outbound guard: {refusal.message}"[:200]
    if isinstance(error, httpx2.TimeoutException):
        return f"No answer within {timeout:g} s"
    if isinstance(error, httpx2.ConnectError):
        return "Could not connect (connection refused, DNS or TLS error)"
    if isinstance(error, httpx2.TransportError):
        return "The connection failed before an answer arrived"
    return "The request could not be sent"


def post(url: str, *, body: bytes, headers: dict[str, str]) -> Outcome:
    timeout = settings.WEBHOOK_TIMEOUT_SECONDS
    started = monotonic()
    request_headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT, **headers}
    try:
        client = httpx2.Client(
            transport=netguard.guarded_transport(),
            timeout=timeout,
            follow_redirects=False,
            trust_env=False,
        )
        # Streamed and closed unread: the body is not ours to keep or show.
        with client, client.stream("POST", url, content=body, headers=request_headers) as answer:
            code = answer.status_code
    except Exception as error:  # every failure is an outcome to record, never a crash
        return Outcome(
            ok=False,
            status_code=None,
            summary=_error_summary(error, timeout),
            duration_ms=int((monotonic() - started) * 1000),
        )
    return Outcome(
        ok=200 <= code < 300,
        status_code=code,
        summary=_status_summary(code),
        duration_ms=int((monotonic() - started) * 1000),
    )
