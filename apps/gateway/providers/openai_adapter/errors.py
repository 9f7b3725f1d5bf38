"""The SDK's exceptions as the gateway's error classes, in our own words: each message names
the provider, never carries the key, and repeats the provider's own words only when they come
from OpenAI itself or the server the operator configured."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import openai
import pydantic

from apps.core import netguard
from apps.gateway.errors import ErrorClass, ProviderError, scrub
from apps.gateway.providers.openai_adapter.clients import retry_after

T = TypeVar("T")
MAX_PROVIDER_MESSAGE = 300

# Errors that mean "the answer was not what the API promises": garbage, HTML, wrong shape.
_PARSE_ERRORS = (
    AttributeError,
    TypeError,
    KeyError,
    IndexError,
    ValueError,  # json.JSONDecodeError included
    pydantic.ValidationError,
    openai.APIResponseValidationError,
)


@dataclass(frozen=True, repr=False)
class ErrorTranslator:
    """What a provider's messages may say: its label and base URL, where its key came from,
    the secrets to scrub, and whether words from its answers may be shown."""

    label: str
    base_url: str
    key_source: str
    secrets: tuple[str, ...]
    echo_details: bool

    def message(self, text: str) -> str:
        return scrub(text, self.secrets)[:MAX_PROVIDER_MESSAGE]

    def _detail(self, exc: openai.APIStatusError) -> str:
        """The provider's own error message (from its answer), or "" when it must not be shown."""
        if not self.echo_details:
            return ""
        return self.message(getattr(exc, "message", "") or str(exc))

    def translate(self, exc: BaseException, *, model: str = "") -> ProviderError:
        """The SDK's exception as one error class, with a message that names the provider."""
        label = self.label
        if isinstance(exc, ProviderError):
            return exc
        if isinstance(exc, openai.APITimeoutError):
            return ProviderError(ErrorClass.TIMEOUT, f"{label} did not answer in time.")
        refusal = netguard.refusal_in(exc)
        if refusal is not None:
            return ProviderError(
                ErrorClass.BAD_REQUEST,
                f"Atelier did not connect to {label}: {refusal.message}",
            )
        if isinstance(exc, openai.APIConnectionError):
            return ProviderError(
                ErrorClass.CONNECTION,
                f"Could not connect to {label} at {self.base_url}: check the base URL and that "
                "the server is running.",
            )
        if isinstance(exc, openai.APIStatusError):
            status = exc.status_code
            code = str(exc.code or "")
            detail = self._detail(exc)
            lowered = f"{code} {detail}".lower()
            said = f": {detail}" if detail else "."
            if isinstance(exc, openai.RateLimitError) or status == 429:
                if code == "insufficient_quota":
                    return ProviderError(
                        ErrorClass.AUTHENTICATION,
                        f"{label} says the account has no quota left{said}",
                        status_code=status,
                    )
                return ProviderError(
                    ErrorClass.RATE_LIMITED,
                    f"{label} is rate limiting requests{said}",
                    retry_after=retry_after(exc.response),
                    status_code=status,
                )
            if status in (401, 403):
                source = {"workspace": "this workspace's", "site": "the site's"}.get(
                    self.key_source, "the"
                )
                return ProviderError(
                    ErrorClass.AUTHENTICATION,
                    f"{label} rejected {source} API key (HTTP {status}). Check the key on the "
                    "Models page.",
                    status_code=status,
                )
            if status == 404:
                return ProviderError(
                    ErrorClass.BAD_REQUEST,
                    f"{label} does not know the model “{model}” (HTTP 404)."
                    if model
                    else f"{label} answered 404{said}",
                    status_code=status,
                )
            if status == 408:
                return ProviderError(ErrorClass.TIMEOUT, f"{label} timed out the request.")
            if "context_length" in lowered or "maximum context length" in lowered:
                return ProviderError(
                    ErrorClass.CONTEXT_WINDOW,
                    f"The request is too long for {model or 'the model'} at {label}{said}",
                    status_code=status,
                )
            if any(k in lowered for k in ("content_policy", "content_filter", "safety system")):
                return ProviderError(
                    ErrorClass.CONTENT_POLICY,
                    f"{label} refused the request under its content policy{said}",
                    status_code=status,
                )
            if status >= 500:
                return ProviderError(
                    ErrorClass.SERVER_ERROR,
                    f"{label} had a server error (HTTP {status}).",
                    status_code=status,
                )
            return ProviderError(
                ErrorClass.BAD_REQUEST,
                f"{label} refused the request (HTTP {status}){said}",
                status_code=status,
            )
        if isinstance(exc, openai.ContentFilterFinishReasonError):
            return ProviderError(
                ErrorClass.CONTENT_POLICY, f"{label} withheld the answer under its content policy."
            )
        if isinstance(exc, (*_PARSE_ERRORS, openai.OpenAIError)):
            return ProviderError(
                ErrorClass.BAD_RESPONSE,
                f"{label} answered with something that is not a valid API response.",
            )
        raise exc  # a bug of ours, or a test's guard against the network: let it surface

    def call(self, fn: Callable[[], T], *, model: str = "") -> T:
        """Run one SDK call and read its result; any failure becomes a ProviderError."""
        try:
            return fn()
        except Exception as exc:
            raise self.translate(exc, model=model) from None

    def check_failed(self, error: ProviderError) -> str:
        """What the Models page says when the check failed: our words and the HTTP status,
        never text from the answer (whoever runs the server at the base URL wrote that)."""
        status = error.status_code
        if status is None or error.error_class == ErrorClass.AUTHENTICATION:
            return error.message  # our own sentences (no answer was read, or the key's status)
        if status == 404:
            return (
                f"{self.label} answered HTTP 404 to the model list: check that the base URL "
                "is the API's root (it usually ends in /v1)."
            )
        if error.error_class == ErrorClass.RATE_LIMITED:
            return f"{self.label} is rate limiting requests (HTTP {status}); try again shortly."
        if status >= 500:
            return f"{self.label} had a server error (HTTP {status})."
        return f"{self.label} refused the request (HTTP {status})."
