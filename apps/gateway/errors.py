"""One provider-neutral error taxonomy, and what the gateway does about each class.

Provider adapters translate their SDK's exceptions into :class:`ProviderError` with one
:class:`ErrorClass`; the gateway reads :data:`POLICIES` and retries (exponential backoff with
jitter, honouring Retry-After), falls back to the route's next entry, or fails at once. When a
call fails as a whole, the caller gets :class:`GatewayError`, a ``ServiceError`` whose message is
written for the person and never contains a key.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db import models

from apps.core.errors import ServiceError


class ErrorClass(models.TextChoices):
    RATE_LIMITED = "rate_limited", "Rate limited"
    TIMEOUT = "timeout", "Timed out"
    CONNECTION = "connection", "Could not connect"
    SERVER_ERROR = "server_error", "Provider server error"
    CONTEXT_WINDOW = "context_window", "Too long for the model's context window"
    CONTENT_POLICY = "content_policy", "Refused by the provider's content policy"
    AUTHENTICATION = "authentication", "Key rejected or missing"
    BAD_REQUEST = "bad_request", "Request refused as invalid"
    BAD_RESPONSE = "bad_response", "Unreadable answer from the provider"


class Policy(models.TextChoices):
    RETRY = "retry", "Retry with backoff, then fall back"
    FALLBACK = "fallback", "Fall back to the next route entry"
    FAIL = "fail", "Fail the call"


POLICIES: dict[str, Policy] = {
    # Transient: the same model will probably answer if asked again a little later.
    ErrorClass.RATE_LIMITED: Policy.RETRY,
    ErrorClass.TIMEOUT: Policy.RETRY,
    ErrorClass.CONNECTION: Policy.RETRY,
    ErrorClass.SERVER_ERROR: Policy.RETRY,
    # Specific to this model or this provider account: another route entry may succeed.
    ErrorClass.CONTEXT_WINDOW: Policy.FALLBACK,
    ErrorClass.AUTHENTICATION: Policy.FALLBACK,
    ErrorClass.BAD_RESPONSE: Policy.FALLBACK,
    # The request itself is the problem: asking another model would only spend more money.
    ErrorClass.CONTENT_POLICY: Policy.FAIL,
    ErrorClass.BAD_REQUEST: Policy.FAIL,
}

# Classes that say something about the model's health (not about the request or the key), and
# so count toward its cool-down.
HEALTH_ERRORS = frozenset(
    {
        ErrorClass.RATE_LIMITED,
        ErrorClass.TIMEOUT,
        ErrorClass.CONNECTION,
        ErrorClass.SERVER_ERROR,
        ErrorClass.BAD_RESPONSE,
    }
)


class ProviderError(Exception):
    """One failed attempt, already classified. ``message`` is scrubbed of secrets."""

    def __init__(
        self,
        error_class: ErrorClass | str,
        message: str,
        *,
        retry_after: float | None = None,
        status_code: int | None = None,
    ) -> None:
        self.error_class = ErrorClass(error_class)
        self.message = scrub(message)
        self.retry_after = retry_after
        self.status_code = status_code
        super().__init__(self.message)

    @property
    def policy(self) -> Policy:
        return POLICIES[self.error_class]


class GatewayError(ServiceError):
    """A gateway call that failed as a whole: every usable route entry was tried or refused."""

    def __init__(
        self, message: str, *, error_class: ErrorClass | str | None = None, attempts: int = 0
    ) -> None:
        self.error_class = ErrorClass(error_class) if error_class else None
        self.attempts = attempts
        super().__init__(scrub(message), code=str(error_class or "gateway"))


# Things that look like credentials: OpenAI-style keys, bearer tokens, "api_key=..." pairs.
_SECRET_PATTERNS = [
    re.compile(r"\b(?:sk|rk|pk)-[A-Za-z0-9_\-*.]{6,}"),
    re.compile(r"(?i)\bbearer\s+[A-Za-z0-9_\-.=*]{6,}"),
    re.compile(r"(?i)(api[_-]?key\s*[=:]\s*)[^\s,;&\"']+"),
]
REDACTED = "[redacted]"


def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` without the given secrets or anything shaped like a credential."""
    text = str(text)
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, REDACTED)
    for pattern in _SECRET_PATTERNS:
        if pattern.groups:
            text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
        else:
            text = pattern.sub(REDACTED, text)
    return text
