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
from typing import Any, Protocol

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


class GatewayRequest(Protocol):
    """What every request type below offers the engine: what identifies it for the cache, and
    the parameters kept with its provenance."""

    def cache_identity(self) -> dict[str, Any]: ...

    def parameters(self) -> dict[str, Any]: ...


# --- Text --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Message:
    """One chat message: ``role`` is "system", "user" or "assistant"."""

    role: str
    content: str

    def __post_init__(self) -> None:
        if self.role not in ("system", "user", "assistant"):
            raise ValueError(f"unknown message role {self.role!r}")


@dataclass(frozen=True)
class JsonSchema:
    """Structured output: the model must answer with a JSON object matching ``schema``."""

    name: str
    schema: Mapping[str, Any]
    strict: bool = True


def _messages(value: Iterable[Message | Mapping[str, str]]) -> tuple[Message, ...]:
    out = []
    for item in value or ():
        if isinstance(item, Message):
            out.append(item)
        else:
            out.append(Message(role=str(item["role"]), content=str(item["content"])))
    return tuple(out)


def _json_copy(value: Mapping[str, Any] | None) -> dict[str, Any]:
    """A detached, JSON-only copy: hints must serialise (they are part of the cache key)."""
    return json.loads(json.dumps(dict(value or {}), sort_keys=True))


@dataclass(frozen=True)
class TextRequest:
    """A text generation request, as general as the providers are: chat messages, an optional
    JSON schema for the answer, sampling parameters, and opaque ``hints``.

    ``hints`` are never sent to a remote model. They carry what an offline writer registered
    with the local provider needs (see :func:`apps.gateway.providers.local.register_text_writer`);
    the gateway itself does not read them. They are part of the request's identity (cache key,
    prompt hash), since they decide what an offline writer writes.
    """

    messages: tuple[Message, ...]
    n: int = 1
    json_schema: JsonSchema | None = None
    temperature: float | None = None
    max_output_tokens: int | None = None
    seed: int | None = None
    hints: Mapping[str, Any] = field(default_factory=dict)
    # Not sent to any model: gateway behaviour.
    cache: bool = True
    latency_ms: int | None = None  # injected latency (local provider), for tests and benchmarks

    def __post_init__(self) -> None:
        object.__setattr__(self, "messages", _messages(self.messages))
        object.__setattr__(self, "hints", _json_copy(self.hints))
        if not self.messages:
            raise ValueError("give at least one message")
        if not 1 <= self.n <= 16:
            raise ValueError("n must be between 1 and 16 candidates")

    @classmethod
    def from_prompt(cls, prompt: str, *, system: str = "", **kwargs: Any) -> TextRequest:
        """A request of one user message (and a system message when given)."""
        messages = [Message("system", system)] if system else []
        messages.append(Message("user", prompt))
        return cls(messages=tuple(messages), **kwargs)

    @property
    def system(self) -> str:
        return "\n\n".join(m.content for m in self.messages if m.role == "system")

    @property
    def prompt(self) -> str:
        """The user's part of the conversation, for writers that read a single prompt."""
        return "\n\n".join(m.content for m in self.messages if m.role == "user")

    def cache_identity(self) -> dict:
        """What makes two requests 'the same' for the cache and the prompt hash."""
        return {
            "messages": [[m.role, m.content] for m in self.messages],
            "n": self.n,
            "json_schema": _plain(self.json_schema),
            "temperature": self.temperature,
            "max_output_tokens": self.max_output_tokens,
            "seed": self.seed,
            "hints": self.hints,
        }

    def parameters(self) -> dict:
        return {
            "n": self.n,
            "temperature": self.temperature,
            "max_output_tokens": self.max_output_tokens,
            "seed": self.seed,
            "json_schema": self.json_schema.name if self.json_schema else None,
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
    brand_profile_version: int | None = None  # set by the caller, see provenance_fields


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
