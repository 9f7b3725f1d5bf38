"""The OpenAI provider: each operation of the gateway's provider interface as one SDK call."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import openai

from apps.core import netguard
from apps.gateway.errors import ErrorClass, ProviderError
from apps.gateway.providers.base import Provider, ProviderConfig
from apps.gateway.providers.openai_adapter.clients import client_for
from apps.gateway.providers.openai_adapter.errors import ErrorTranslator
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
        self.errors = ErrorTranslator(
            label=self.label,
            base_url=self.base_url,
            key_source=config.key_source,
            secrets=config.secrets,
            echo_details=self.echo_details,
        )

    # --- plumbing ------------------------------------------------------------------------------

    @property
    def client(self) -> openai.OpenAI:
        if not self.config.api_key and self.is_openai:
            raise ProviderError(
                ErrorClass.AUTHENTICATION,
                "No OpenAI API key is set for this workspace. Add one on the Models page.",
            )
        policy = netguard.OutboundPolicy.from_settings() if self.guarded else None
        return client_for(self.config.api_key or KEYLESS_PLACEHOLDER, self.base_url, policy=policy)

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

        return self.errors.call(run, model=model)

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

        return self.errors.call(run, model=model)

    # --- images --------------------------------------------------------------------------------

    def _image_kwargs(
        self, request: ImageEditRequest | ImageGenerateRequest, model: str
    ) -> dict[str, Any]:
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

        return self.errors.call(run, model=model)

    def generate_image(
        self, request: ImageGenerateRequest, *, model: str, timeout: float
    ) -> ImageResult:
        client = self.client
        kwargs = self._image_kwargs(request, model)

        def run() -> ImageResult:
            response = client.images.generate(**kwargs, timeout=timeout)
            return self._image_result(response, request, model)

        return self.errors.call(run, model=model)

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

        return self.errors.call(run, model=model)

    def _job(self, job: Any, model: str) -> FineTuneJob:
        if not isinstance(job.id, str) or not job.id:
            raise ValueError("no job id in the answer")
        error = getattr(job, "error", None)
        return FineTuneJob(
            job_id=job.id,
            status=str(job.status),
            base_model=str(job.model or model),
            fine_tuned_model=str(job.fine_tuned_model or ""),
            error=self.errors.message(getattr(error, "message", "") or "") if error else "",
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

        return self.errors.call(run, model=model)

    def get_fine_tune(
        self, request: FineTuneJobStatusRequest, *, model: str, timeout: float
    ) -> FineTuneJob:
        client = self.client

        def run() -> FineTuneJob:
            job = client.fine_tuning.jobs.retrieve(request.job_id, timeout=timeout)
            return self._job(job, model)

        return self.errors.call(run, model=model)

    # --- connection check ----------------------------------------------------------------------

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

            available = self.errors.call(run)
        except ProviderError as error:
            return ConnectionCheck(
                provider=self.name, ok=False, message=self.errors.check_failed(error)
            )
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
