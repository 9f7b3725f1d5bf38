"""The local provider: offline, deterministic, always available, the default on a fresh install.

Text comes from offline writers that the apps owning a kind of text register
(:func:`register_text_writer`; the copy studio registers its product-copy writer as "copy"): a
request names its writer in ``hints["writer"]``, and the gateway never looks inside the hints.
A request that names no writer gets the plumbing writer, which restates the request (for tests,
benchmarks and connection checks; it writes no content of its own). Embeddings come from a
hashing vectoriser (word unigrams and bigrams plus character trigrams, hashed into a fixed
number of signed buckets and L2-normalised), so similar texts get close vectors without
downloading a model.
An injected latency per call (``GATEWAY_LOCAL_LATENCY_MS`` or the request's ``latency_ms``)
stands in for a remote model's answer time in tests and benchmarks.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import time
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from django.conf import settings

from apps.gateway.errors import ErrorClass, ProviderError
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
TOKEN_RE = re.compile(r"\w+")

# An offline writer: the request in, exactly ``request.n`` candidates out, deterministically.
TextWriter = Callable[[TextRequest], list[TextCandidate]]
_TEXT_WRITERS: dict[str, TextWriter] = {}


def register_text_writer(name: str, writer: TextWriter) -> None:
    """Let requests with ``hints={"writer": name, ...}`` be written offline by ``writer``.

    Called from the owning app's ``AppConfig.ready()``; registering a name again replaces it.
    """
    _TEXT_WRITERS[name] = writer


def restate(request: TextRequest, index: int) -> TextCandidate:
    """The plumbing writer: the request's own words back, or a schema filled from them."""
    words = TOKEN_RE.findall(request.prompt)[:40]
    text = " ".join(words) or "(empty request)"
    if index:
        text = f"{text} ({index + 1})"
    if request.json_schema is None:
        return TextCandidate(text=text)
    data = _fill(request.json_schema.schema, text)
    return TextCandidate(text=json.dumps(data, ensure_ascii=False), data=data)


def _fill(schema: Mapping[str, Any], text: str) -> Any:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if schema.get("enum"):
        return schema["enum"][0]
    if kind == "object" or "properties" in schema:
        return {key: _fill(sub, text) for key, sub in (schema.get("properties") or {}).items()}
    if kind == "array":
        count = max(1, int(schema.get("minItems", 1)))
        return [_fill(schema.get("items") or {"type": "string"}, text) for _ in range(count)]
    if kind in {"number", "integer"}:
        return schema.get("minimum", 0)
    if kind == "boolean":
        return False
    return text


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
        name = str(request.hints.get("writer") or "")
        if name:
            writer = _TEXT_WRITERS.get(name)
            if writer is None:
                raise ProviderError(
                    ErrorClass.BAD_REQUEST, f"No offline writer called “{name}” is installed."
                )
            candidates = list(writer(request))[: request.n]
            if len(candidates) != request.n:
                raise ProviderError(
                    ErrorClass.BAD_RESPONSE,
                    f"The offline writer “{name}” gave {len(candidates)} of {request.n} texts.",
                )
        else:
            candidates = [restate(request, index) for index in range(request.n)]
        prompt_text = "\n".join(m.content for m in request.messages)
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
