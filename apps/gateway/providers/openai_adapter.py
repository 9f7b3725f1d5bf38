"""OpenAI, and any server that speaks its API (vLLM, Ollama, LM Studio, llama.cpp, a company
gateway), through the official ``openai`` package. This is the only module that imports it.

The client is built with ``max_retries=0``: the gateway is the one retry layer, so a retry
never multiplies. Every SDK exception is translated into the gateway's error taxonomy here, and
every message that leaves this module is scrubbed of the key.

A base URL a workspace set is reached only through :mod:`apps.core.netguard`'s transport: every
connection the SDK opens (redirects included) is checked after DNS resolution, so a workspace
cannot make the server call into its own network. Text from such a server's answers is never
shown to people: messages carry the HTTP status and our own words only.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections import OrderedDict
from email.utils import parsedate_to_datetime
from typing import Any

import openai
import pydantic

from apps.core import netguard
from apps.gateway.errors import ErrorClass, ProviderError, scrub
from apps.gateway.providers.base import Provider, ProviderConfig
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
    TextCandidate,
    TextRequest,
    TextResult,
    TokenUsage,
)

OPENAI_BASE_URL = "https://api.openai.com/v1"
# Keyless OpenAI-compatible servers (a local Ollama) still need a non-empty bearer token.
KEYLESS_PLACEHOLDER = "no-key"
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

_clients: OrderedDict[tuple, openai.OpenAI] = OrderedDict()
_clients_lock = threading.Lock()
MAX_CACHED_CLIENTS = 64


def _client(
    api_key: str, base_url: str, *, policy: netguard.OutboundPolicy | None = None
) -> openai.OpenAI:
    """One client (one connection pool) per key, base URL and guard, reused across calls.

    With a ``policy``, every connection goes through the outbound guard's transport.
    """
    cache_key = (api_key, base_url, policy)
    with _clients_lock:
        client = _clients.get(cache_key)
        if client is not None:
            _clients.move_to_end(cache_key)
            return client
        http_client = None
        if policy is not None:
            http_client = openai.DefaultHttpxClient(
                transport=netguard.guarded_transport(policy=policy), trust_env=False
            )
        client = openai.OpenAI(
            api_key=api_key,
            base_url=base_url,
            max_retries=0,  # the gateway retries; the SDK must not
            http_client=http_client,
        )
        _clients[cache_key] = client
        while len(_clients) > MAX_CACHED_CLIENTS:
            _clients.popitem(last=False)[1].close()
        return client


def reset_clients() -> None:
    with _clients_lock:
        for client in _clients.values():
            client.close()
        _clients.clear()


def _retry_after(response: Any) -> float | None:
    """Seconds to wait from Retry-After-Ms / Retry-After (seconds or an HTTP date)."""
    headers = getattr(response, "headers", None) or {}
    value = headers.get("retry-after-ms")
    if value:
        try:
            return max(0.0, float(value) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


class OpenAIProvider(Provider):
    name = "openai"
    label = "OpenAI"

    def __init__(self, config: ProviderConfig) -> None:
        super().__init__(config)
        self.base_url = (config.base_url or OPENAI_BASE_URL).rstrip("/")
        self.is_openai = self.base_url == OPENAI_BASE_URL
        if not self.is_openai:
            self.label = f"The OpenAI-compatible server at {self.base_url}"
        # A workspace's own settings go through the outbound guard; the site's (set by the
        # operator in the environment) do not.
        self.guarded = config.key_source == "workspace"
        # Words from the provider's answers are shown only from OpenAI itself or the server
        # the operator configured; a workspace-set server's body never reaches a page.
        self.echo_details = self.is_openai or not self.guarded

    # --- plumbing ------------------------------------------------------------------------------

    @property
    def client(self) -> openai.OpenAI:
        if not self.config.api_key and self.is_openai:
            raise ProviderError(
                ErrorClass.AUTHENTICATION,
                "No OpenAI API key is set for this workspace. Add one on the Models page.",
            )
        policy = netguard.OutboundPolicy.from_settings() if self.guarded else None
        return _client(self.config.api_key or KEYLESS_PLACEHOLDER, self.base_url, policy=policy)

    def _message(self, text: str) -> str:
        return scrub(text, self.config.secrets)[:MAX_PROVIDER_MESSAGE]

    def _detail(self, exc: openai.APIStatusError) -> str:
        """The provider's own error message (from its answer), or "" when it must not be shown."""
        if not self.echo_details:
            return ""
        return self._message(getattr(exc, "message", "") or str(exc))

    def _translate(self, exc: BaseException, *, model: str = "") -> ProviderError:
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
                    retry_after=_retry_after(exc.response),
                    status_code=status,
                )
            if status in (401, 403):
                source = {"workspace": "this workspace's", "site": "the site's"}.get(
                    self.config.key_source, "the"
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

    def _call(self, fn, *, model: str = ""):
        """Run one SDK call and read its result; any failure becomes a ProviderError."""
        try:
            return fn()
        except Exception as exc:
            raise self._translate(exc, model=model) from None

    # --- text ----------------------------------------------------------------------------------

    def _messages(self, request: TextRequest) -> list[dict[str, str]]:
        return [{"role": m.role, "content": m.content} for m in request.messages]

    def generate_text(self, request: TextRequest, *, model: str, timeout: float) -> TextResult:
        client = self.client
        kwargs: dict[str, Any] = {
            "model": model,
            "messages": self._messages(request),
            "n": request.n,
            "timeout": timeout,
        }
        if request.temperature is not None:
            kwargs["temperature"] = request.temperature
        if request.seed is not None:
            kwargs["seed"] = request.seed
        if request.max_output_tokens:
            # OpenAI's newer models take only max_completion_tokens; many compatible servers
            # still know only max_tokens.
            key = "max_completion_tokens" if self.is_openai else "max_tokens"
            kwargs[key] = request.max_output_tokens
        if request.json_schema is not None:
            kwargs["response_format"] = {
                "type": "json_schema",
                "json_schema": {
                    "name": request.json_schema.name,
                    "schema": dict(request.json_schema.schema),
                    "strict": request.json_schema.strict,
                },
            }

        def run() -> TextResult:
            completion = client.chat.completions.create(**kwargs)
            candidates = []
            for choice in sorted(completion.choices, key=lambda c: c.index):
                if choice.finish_reason == "content_filter" or choice.message.refusal:
                    raise openai.ContentFilterFinishReasonError()
                text = choice.message.content
                if not isinstance(text, str):
                    raise TypeError("a choice without text content")
                data = None
                if request.json_schema is not None:
                    data = json.loads(text)
                    if not isinstance(data, dict):
                        raise ValueError("structured output is not a JSON object")
                candidates.append(
                    TextCandidate(text=text, data=data, finish_reason=choice.finish_reason)
                )
            if not candidates:
                raise ValueError("no choices in the answer")
            usage = completion.usage
            cached = 0
            if usage and usage.prompt_tokens_details:
                cached = usage.prompt_tokens_details.cached_tokens or 0
            return TextResult(
                candidates=tuple(candidates),
                model=str(completion.model or model),
                usage=TokenUsage(
                    input_tokens=int(usage.prompt_tokens) if usage else 0,
                    output_tokens=int(usage.completion_tokens) if usage else 0,
                    cached_input_tokens=int(cached),
                ),
            )

        return self._call(run, model=model)

    # --- embeddings ----------------------------------------------------------------------------

    def embed(self, request: EmbedRequest, *, model: str, timeout: float) -> EmbedResult:
        client = self.client
        kwargs: dict[str, Any] = {
            "model": model,
            "input": list(request.texts),
            "encoding_format": "float",
            "timeout": timeout,
        }
        if request.dimensions:
            kwargs["dimensions"] = request.dimensions

        def run() -> EmbedResult:
            response = client.embeddings.create(**kwargs)
            rows = sorted(response.data, key=lambda row: row.index)
            if len(rows) != len(request.texts):
                raise ValueError("one vector per text expected")
            vectors = tuple(tuple(float(x) for x in row.embedding) for row in rows)
            usage = response.usage
            return EmbedResult(
                vectors=vectors,
                model=str(response.model or model),
                usage=TokenUsage(input_tokens=int(usage.prompt_tokens) if usage else 0),
            )

        return self._call(run, model=model)

    # --- images --------------------------------------------------------------------------------

    def _image_kwargs(self, request: ImageEditRequest | ImageGenerateRequest, model: str) -> dict:
        kwargs: dict[str, Any] = {"model": model, "prompt": request.prompt, "n": request.n}
        if request.size:
            kwargs["size"] = request.size
        if model.startswith("dall-e"):
            kwargs["response_format"] = "b64_json"  # the gpt-image models always answer base64
        else:
            if request.quality:
                kwargs["quality"] = request.quality
            kwargs["output_format"] = request.output_format
        return kwargs

    def _image_result(
        self, response: Any, request: ImageEditRequest | ImageGenerateRequest, model: str
    ) -> ImageResult:
        images = tuple(base64.b64decode(item.b64_json, validate=True) for item in response.data)
        if not images:
            raise ValueError("no images in the answer")
        usage = getattr(response, "usage", None)
        return ImageResult(
            images=images,
            model=model,
            usage=TokenUsage(
                input_tokens=int(getattr(usage, "input_tokens", 0) or 0),
                output_tokens=int(getattr(usage, "output_tokens", 0) or 0),
                images=len(images),
                image_size=request.size,
                image_quality=request.quality,
            ),
        )

    def edit_image(self, request: ImageEditRequest, *, model: str, timeout: float) -> ImageResult:
        client = self.client
        kwargs = self._image_kwargs(request, model)
        kwargs["image"] = ("image.png", request.image, "image/png")
        if request.mask:
            kwargs["mask"] = ("mask.png", request.mask, "image/png")

        def run() -> ImageResult:
            response = client.images.edit(**kwargs, timeout=timeout)
            return self._image_result(response, request, model)

        return self._call(run, model=model)

    def generate_image(
        self, request: ImageGenerateRequest, *, model: str, timeout: float
    ) -> ImageResult:
        client = self.client
        kwargs = self._image_kwargs(request, model)

        def run() -> ImageResult:
            response = client.images.generate(**kwargs, timeout=timeout)
            return self._image_result(response, request, model)

        return self._call(run, model=model)

    # --- fine-tuning ---------------------------------------------------------------------------

    def upload_fine_tune_file(
        self, request: FineTuneFileRequest, *, model: str, timeout: float
    ) -> FineTuneFile:
        client = self.client

        def run() -> FineTuneFile:
            uploaded = client.files.create(
                file=(request.filename, request.content, "application/jsonl"),
                purpose="fine-tune",
                timeout=timeout,
            )
            if not isinstance(uploaded.id, str) or not uploaded.id:
                raise ValueError("no file id in the answer")
            return FineTuneFile(
                file_id=uploaded.id,
                filename=str(uploaded.filename or request.filename),
                bytes=int(uploaded.bytes or len(request.content)),
                model=model,
            )

        return self._call(run, model=model)

    def _job(self, job: Any, model: str) -> FineTuneJob:
        if not isinstance(job.id, str) or not job.id:
            raise ValueError("no job id in the answer")
        error = getattr(job, "error", None)
        return FineTuneJob(
            job_id=job.id,
            status=str(job.status),
            base_model=str(job.model or model),
            fine_tuned_model=str(job.fine_tuned_model or ""),
            error=self._message(getattr(error, "message", "") or "") if error else "",
            model=model,
        )

    def start_fine_tune(
        self, request: FineTuneJobRequest, *, model: str, timeout: float
    ) -> FineTuneJob:
        client = self.client
        kwargs: dict[str, Any] = {"model": model, "training_file": request.training_file_id}
        if request.suffix:
            kwargs["suffix"] = request.suffix
        if request.validation_file_id:
            kwargs["validation_file"] = request.validation_file_id
        if request.epochs:
            kwargs["hyperparameters"] = {"n_epochs": request.epochs}

        def run() -> FineTuneJob:
            return self._job(client.fine_tuning.jobs.create(**kwargs, timeout=timeout), model)

        return self._call(run, model=model)

    def get_fine_tune(
        self, request: FineTuneJobStatusRequest, *, model: str, timeout: float
    ) -> FineTuneJob:
        client = self.client

        def run() -> FineTuneJob:
            job = client.fine_tuning.jobs.retrieve(request.job_id, timeout=timeout)
            return self._job(job, model)

        return self._call(run, model=model)

    # --- connection check ----------------------------------------------------------------------

    def _check_failed(self, error: ProviderError) -> str:
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

    def check_connection(self, *, timeout: float, models: tuple[str, ...] = ()) -> ConnectionCheck:
        started = time.monotonic()
        try:
            client = self.client

            def run() -> tuple[str, ...]:
                page = client.models.list(timeout=timeout)
                ids = tuple(item.id for item in page.data)
                if not all(isinstance(i, str) for i in ids):
                    raise TypeError("model ids are not strings")
                return ids

            available = self._call(run)
        except ProviderError as error:
            return ConnectionCheck(provider=self.name, ok=False, message=self._check_failed(error))
        latency = round((time.monotonic() - started) * 1000)
        missing = [m for m in models if m not in available]
        if missing:
            return ConnectionCheck(
                provider=self.name,
                ok=False,
                message=f"Connected to {self.label}, but it does not offer "
                + ", ".join(f"“{m}”" for m in missing)
                + ", which your routes use. Choose another model for those routes.",
                latency_ms=latency,
                models=available,
            )
        return ConnectionCheck(
            provider=self.name,
            ok=True,
            message=f"Connected to {self.label}: the key works and {len(available)} models "
            f"are available ({latency} ms).",
            latency_ms=latency,
            models=available,
        )
