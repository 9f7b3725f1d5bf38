"""The local provider: offline, deterministic, always available, the default on a fresh install.

Text comes from :mod:`apps.gateway.providers.local_copy`; embeddings from a hashing vectoriser
(word unigrams and bigrams plus character trigrams, hashed into a fixed number of signed
buckets and L2-normalised), so similar texts get close vectors without downloading a model.
An injected latency per call (``GATEWAY_LOCAL_LATENCY_MS`` or the request's ``latency_ms``)
stands in for a remote model's answer time in tests and benchmarks.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import time

import numpy as np
from django.conf import settings

from apps.gateway.errors import ErrorClass, ProviderError
from apps.gateway.providers import local_copy
from apps.gateway.providers.base import Provider
from apps.gateway.types import (
    ConnectionCheck,
    EmbedRequest,
    EmbedResult,
    TextCandidate,
    TextRequest,
    TextResult,
    TokenUsage,
)

DEFAULT_DIMENSIONS = 256
MAX_CANDIDATE_TRIES = 12
TOKEN_RE = re.compile(r"\w+")


def approximate_tokens(text: str) -> int:
    """About four characters a token, as for English with common tokenisers."""
    return max(1, round(len(text) / 4)) if text else 0


def hashed_embedding(text: str, dimensions: int = DEFAULT_DIMENSIONS) -> tuple[float, ...]:
    vector = np.zeros(dimensions, dtype=np.float64)
    words = TOKEN_RE.findall(text.lower())
    features: list[tuple[str, float]] = [(f"w:{w}", 1.0) for w in words]
    features += [(f"b:{a} {b}", 0.7) for a, b in itertools.pairwise(words)]
    for word in words:
        padded = f"<{word}>"
        features += [(f"c:{padded[i : i + 3]}", 0.3) for i in range(len(padded) - 2)]
    for feature, weight in features:
        digest = int.from_bytes(hashlib.blake2b(feature.encode(), digest_size=8).digest(), "big")
        sign = 1.0 if digest >> 63 else -1.0
        vector[digest % dimensions] += sign * weight
    norm = float(np.linalg.norm(vector))
    if norm:
        vector /= norm
    return tuple(round(float(x), 6) for x in vector)


class LocalProvider(Provider):
    name = "local"
    label = "Local (built in)"

    def _wait(self, latency_ms: int | None, timeout: float) -> None:
        latency = self.config.latency_ms if latency_ms is None else latency_ms
        if latency <= 0:
            return
        if latency / 1000 > timeout:
            time.sleep(timeout)
            raise ProviderError(
                ErrorClass.TIMEOUT, f"The local model took longer than {timeout:.1f} s."
            )
        time.sleep(latency / 1000)

    def generate_text(self, request: TextRequest, *, model: str, timeout: float) -> TextResult:
        self._wait(request.latency_ms, timeout)
        candidates: list[TextCandidate] = []
        seen: set[str] = set()
        for index in range(request.n):
            for salt in range(MAX_CANDIDATE_TRIES):
                text, data = local_copy.write(request, index, salt)
                if text not in seen:
                    break
            seen.add(text)
            candidates.append(TextCandidate(text=text, data=data))
        prompt_text = f"{request.system}\n{request.prompt}\n{request.facts or ''}"
        usage = TokenUsage(
            input_tokens=approximate_tokens(prompt_text),
            output_tokens=sum(approximate_tokens(c.text) for c in candidates),
        )
        return TextResult(candidates=tuple(candidates), model=model, usage=usage)

    def embed(self, request: EmbedRequest, *, model: str, timeout: float) -> EmbedResult:
        self._wait(request.latency_ms, timeout)
        dimensions = request.dimensions or DEFAULT_DIMENSIONS
        vectors = tuple(hashed_embedding(text, dimensions) for text in request.texts)
        usage = TokenUsage(input_tokens=sum(approximate_tokens(t) for t in request.texts))
        return EmbedResult(vectors=vectors, model=model, usage=usage)

    def check_connection(self, *, timeout: float, models: tuple[str, ...] = ()) -> ConnectionCheck:
        return ConnectionCheck(
            provider=self.name,
            ok=True,
            message="The local provider is built in and always available.",
            models=models,
        )


def local_latency_default() -> int:
    return int(getattr(settings, "GATEWAY_LOCAL_LATENCY_MS", 0))
