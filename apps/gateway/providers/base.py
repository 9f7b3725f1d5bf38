"""The interface every general model provider (layer 1) implements.

A provider turns a provider-neutral request into one call to its models and a provider-neutral
result, or raises :class:`~apps.gateway.errors.ProviderError` with the right error class. It does
not retry, fall back, cache, limit or record usage: the gateway does all of that, once.
"""

from __future__ import annotations

from dataclasses import dataclass

from apps.gateway.errors import ErrorClass, ProviderError
from apps.gateway.types import (
    ConnectionCheck,
    EmbedRequest,
    EmbedResult,
    FineTuneFile,
    FineTuneFileRequest,
    FineTuneJob,
    FineTuneJobRequest,
    FineTuneJobStatusRequest,
    ImageEditRequest,
    ImageGenerateRequest,
    ImageResult,
    TextRequest,
    TextResult,
)


@dataclass(frozen=True, repr=False)
class ProviderConfig:
    """How to reach a provider for one workspace. ``api_key`` is plaintext: never log this."""

    api_key: str = ""
    base_url: str = ""
    latency_ms: int = 0
    # Where the key came from, for messages: "workspace" (bring-your-own) or "site".
    key_source: str = ""

    def __repr__(self) -> str:  # a config in a traceback must not show the key
        return f"ProviderConfig(base_url={self.base_url!r}, key_source={self.key_source!r})"

    @property
    def secrets(self) -> tuple[str, ...]:
        return (self.api_key,) if self.api_key else ()


class Provider:
    """Base class: every operation is refused until a provider implements it."""

    name: str = ""
    label: str = ""

    def __init__(self, config: ProviderConfig) -> None:
        self.config = config

    def _unsupported(self, what: str) -> ProviderError:
        return ProviderError(ErrorClass.BAD_REQUEST, f"{self.label} does not offer {what}.")

    def generate_text(self, request: TextRequest, *, model: str, timeout: float) -> TextResult:
        raise self._unsupported("text generation")

    def embed(self, request: EmbedRequest, *, model: str, timeout: float) -> EmbedResult:
        raise self._unsupported("embeddings")

    def edit_image(self, request: ImageEditRequest, *, model: str, timeout: float) -> ImageResult:
        raise self._unsupported("image editing")

    def generate_image(
        self, request: ImageGenerateRequest, *, model: str, timeout: float
    ) -> ImageResult:
        raise self._unsupported("image generation")

    def upload_fine_tune_file(
        self, request: FineTuneFileRequest, *, model: str, timeout: float
    ) -> FineTuneFile:
        raise self._unsupported("fine-tuning")

    def start_fine_tune(
        self, request: FineTuneJobRequest, *, model: str, timeout: float
    ) -> FineTuneJob:
        raise self._unsupported("fine-tuning")

    def get_fine_tune(
        self, request: FineTuneJobStatusRequest, *, model: str, timeout: float
    ) -> FineTuneJob:
        raise self._unsupported("fine-tuning")

    def check_connection(self, *, timeout: float, models: tuple[str, ...] = ()) -> ConnectionCheck:
        """Reach the provider with the configured key and base URL; say what happened."""
        raise NotImplementedError
