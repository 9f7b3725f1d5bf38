"""Provider-neutral requests and results: what the workflows and the providers exchange.

Every type here is a frozen dataclass, so a request cannot change between the cache key being
computed and the provider seeing it, and a result cannot be edited after its usage row was
written. Mappings given to constructors are frozen into sorted tuples (hashable, stable order).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from django.db import models


class TaskKind(models.TextChoices):
    """What a call is for. Routes are set per workspace and task kind."""

    COPY_GENERATE = "copy.generate", "Copy generation"
    COPY_SCORE = "copy.score", "Copy scoring"
    PHOTO_EDIT = "photo.edit", "Photo editing"
    EMBED = "embed", "Embeddings"
    FINE_TUNE = "fine_tune", "Fine-tuning"


class Capability(models.TextChoices):
    """What a model in the registry can do; a route only accepts models that fit its task."""

    TEXT = "text", "Text generation"
    JSON_SCHEMA = "json_schema", "Structured (JSON schema) output"
    EMBED = "embed", "Embeddings"
    IMAGE_EDIT = "image_edit", "Image editing"
    IMAGE_GENERATE = "image_generate", "Image generation"
    FINE_TUNE = "fine_tune", "Fine-tuning"


# The capability a model needs to serve a task kind.
TASK_CAPABILITY: dict[str, str] = {
    TaskKind.COPY_GENERATE: Capability.TEXT,
    TaskKind.COPY_SCORE: Capability.TEXT,
    TaskKind.PHOTO_EDIT: Capability.IMAGE_EDIT,
    TaskKind.EMBED: Capability.EMBED,
    TaskKind.FINE_TUNE: Capability.FINE_TUNE,
}


def _frozen_pairs(value: Mapping[str, Any] | Iterable[tuple[str, Any]] | None) -> tuple:
    items = value.items() if isinstance(value, Mapping) else (value or ())
    return tuple(sorted((str(k), str(v)) for k, v in items if str(v).strip()))


def _frozen_strings(value: Iterable[str] | None) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    return tuple(s.strip() for s in (value or ()) if s and s.strip())


def _plain(value: Any) -> Any:
    """A JSON-ready copy of a dataclass tree (tuples become lists)."""
    if hasattr(value, "__dataclass_fields__"):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, bytes):
        return hashlib.sha256(value).hexdigest()
    return value


def stable_hash(value: Any) -> str:
    """sha256 of a canonical JSON rendering: the same request always hashes the same."""
    text = json.dumps(_plain(value), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


# --- Text --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProductFacts:
    """What is known about the product the copy is for."""

    title: str
    product_type: str = ""
    attributes: tuple[tuple[str, str], ...] = ()
    tags: tuple[str, ...] = ()
    brand: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "attributes", _frozen_pairs(self.attributes))
        object.__setattr__(self, "tags", _frozen_strings(self.tags))

    def attribute(self, *names: str) -> str:
        """The first attribute present among ``names`` (case-insensitive), or ''."""
        wanted = {n.lower() for n in names}
        for key, value in self.attributes:
            if key.lower().replace("-", "_") in wanted:
                return value
        return ""


@dataclass(frozen=True)
class BrandRules:
    """Hard rules from the brand's style guide that every output must obey."""

    banned_words: tuple[str, ...] = ()
    max_length: int | None = None  # characters
    preferred_terms: tuple[str, ...] = ()
    tone: str = ""
    # From the brand profile (apps.brand.services.brand_prompt_context): the brand's own copy
    # closest to this product, best first, with each one's product title (same order), and the
    # brand's distinctive terms. The local provider writes from them; prompts quote their own.
    exemplars: tuple[str, ...] = ()
    exemplar_titles: tuple[str, ...] = ()
    lexicon: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "banned_words", _frozen_strings(self.banned_words))
        object.__setattr__(self, "preferred_terms", _frozen_strings(self.preferred_terms))
        # Not stripped of empty entries: titles stay aligned with their exemplars.
        object.__setattr__(self, "exemplars", tuple(str(t) for t in self.exemplars))
        object.__setattr__(self, "exemplar_titles", tuple(str(t) for t in self.exemplar_titles))
        object.__setattr__(self, "lexicon", _frozen_strings(self.lexicon))
        if self.max_length is not None and self.max_length < 1:
            raise ValueError("max_length must be at least 1 character")


@dataclass(frozen=True)
class JsonSchema:
    """Structured output: the model must answer with a JSON object matching ``schema``."""

    name: str
    schema: Mapping[str, Any]
    strict: bool = True


@dataclass(frozen=True)
class TextRequest:
    prompt: str
    system: str = ""
    facts: ProductFacts | None = None
    rules: BrandRules | None = None
    n: int = 1
    json_schema: JsonSchema | None = None
    temperature: float | None = None
    max_output_tokens: int | None = None
    seed: int | None = None
    # Not sent to any model: gateway behaviour and provenance.
    cache: bool = True
    latency_ms: int | None = None  # injected latency (local provider), for tests and benchmarks
    brand_profile_version: int | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.n <= 16:
            raise ValueError("n must be between 1 and 16 candidates")

    def cache_identity(self) -> dict:
        """What makes two requests 'the same' for the cache and the prompt hash."""
        data = asdict(self)
        for key in ("cache", "latency_ms", "brand_profile_version"):
            data.pop(key)
        return data

    def parameters(self) -> dict:
        return {
            "n": self.n,
            "temperature": self.temperature,
            "max_output_tokens": self.max_output_tokens,
            "seed": self.seed,
            "json_schema": self.json_schema.name if self.json_schema else None,
            "max_length": self.rules.max_length if self.rules else None,
        }


@dataclass(frozen=True)
class TokenUsage:
    input_tokens: int = 0
    output_tokens: int = 0
    cached_input_tokens: int = 0  # part of input_tokens, billed at the cached rate
    images: int = 0
    image_size: str = ""
    image_quality: str = ""


@dataclass(frozen=True)
class TextCandidate:
    text: str
    data: Mapping[str, Any] | None = None  # the parsed object when a JSON schema was asked for
    finish_reason: str = "stop"


@dataclass(frozen=True)
class Provenance:
    """Where a generated output came from; store it with the output (see ``provenance_record``)."""

    call_id: str
    task: str
    provider: str
    model: str
    route_entry_id: int | None
    route_position: int
    prompt_hash: str
    parameters: Mapping[str, Any]
    usage_id: int | None
    cached: bool
    brand_profile_version: int | None = None


@dataclass(frozen=True)
class TextResult:
    candidates: tuple[TextCandidate, ...]
    model: str
    usage: TokenUsage = field(default_factory=TokenUsage)
    provider: str = ""
    cached: bool = False
    provenance: Provenance | None = None

    @property
    def text(self) -> str:
        return self.candidates[0].text


# --- Embeddings --------------------------------------------------------------------------------


@dataclass(frozen=True)
class EmbedRequest:
    texts: tuple[str, ...]
    dimensions: int | None = None
    cache: bool = True
    latency_ms: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "texts", tuple(self.texts))
        if not self.texts:
            raise ValueError("give at least one text to embed")

    def cache_identity(self) -> dict:
        return {"texts": list(self.texts), "dimensions": self.dimensions}

    def parameters(self) -> dict:
        return {"count": len(self.texts), "dimensions": self.dimensions}


@dataclass(frozen=True)
class EmbedResult:
    vectors: tuple[tuple[float, ...], ...]
    model: str
    usage: TokenUsage = field(default_factory=TokenUsage)
    provider: str = ""
    cached: bool = False
    provenance: Provenance | None = None


# --- Images ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImageEditRequest:
    image: bytes
    prompt: str
    mask: bytes | None = None
    size: str = "1024x1024"
    quality: str = "medium"
    n: int = 1
    output_format: str = "png"
    cache: bool = True
    latency_ms: int | None = None

    def cache_identity(self) -> dict:
        data = asdict(self)
        data.pop("cache")
        data.pop("latency_ms")
        return data

    def parameters(self) -> dict:
        return {"size": self.size, "quality": self.quality, "n": self.n}


@dataclass(frozen=True)
class ImageGenerateRequest:
    prompt: str
    size: str = "1024x1024"
    quality: str = "medium"
    n: int = 1
    output_format: str = "png"
    cache: bool = True
    latency_ms: int | None = None

    def cache_identity(self) -> dict:
        data = asdict(self)
        data.pop("cache")
        data.pop("latency_ms")
        return data

    def parameters(self) -> dict:
        return {"size": self.size, "quality": self.quality, "n": self.n}


@dataclass(frozen=True)
class ImageResult:
    images: tuple[bytes, ...]
    model: str
    usage: TokenUsage = field(default_factory=TokenUsage)
    provider: str = ""
    cached: bool = False
    provenance: Provenance | None = None


# --- Fine-tuning -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FineTuneFileRequest:
    filename: str
    content: bytes  # JSONL training examples
    cache: bool = False
    latency_ms: int | None = None

    def cache_identity(self) -> dict:
        return {"filename": self.filename, "content": self.content}

    def parameters(self) -> dict:
        return {"filename": self.filename, "bytes": len(self.content)}


@dataclass(frozen=True)
class FineTuneFile:
    file_id: str
    filename: str
    bytes: int
    provider: str = ""
    usage: TokenUsage = field(default_factory=TokenUsage)
    model: str = ""
    cached: bool = False
    provenance: Provenance | None = None


@dataclass(frozen=True)
class FineTuneJobRequest:
    training_file_id: str
    suffix: str = ""
    validation_file_id: str = ""
    epochs: int | None = None
    cache: bool = False
    latency_ms: int | None = None

    def cache_identity(self) -> dict:
        return asdict(self)

    def parameters(self) -> dict:
        return {"suffix": self.suffix, "epochs": self.epochs}


@dataclass(frozen=True)
class FineTuneJobStatusRequest:
    job_id: str
    cache: bool = False
    latency_ms: int | None = None

    def cache_identity(self) -> dict:
        return {"job_id": self.job_id}

    def parameters(self) -> dict:
        return {"job_id": self.job_id}


@dataclass(frozen=True)
class FineTuneJob:
    job_id: str
    status: str
    base_model: str
    fine_tuned_model: str = ""
    error: str = ""
    provider: str = ""
    model: str = ""
    usage: TokenUsage = field(default_factory=TokenUsage)
    cached: bool = False
    provenance: Provenance | None = None


# --- Connection checks -------------------------------------------------------------------------


@dataclass(frozen=True)
class ConnectionCheck:
    """The answer of a provider's "Test connection" button, written for the person."""

    provider: str
    ok: bool
    message: str
    latency_ms: int = 0
    models: tuple[str, ...] = ()
