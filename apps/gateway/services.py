"""The model gateway's public entry points (the writes behind the Models page are
:mod:`apps.gateway.model_settings`').

Every model call in Atelier goes through one of these functions; nothing else imports a
provider SDK or calls a provider. They are keyword-only and typed, ``workspace`` and ``actor``
first, and take and return the frozen dataclasses of :mod:`apps.gateway.types`::

    gateway_generate_text(*, workspace, actor, task=TaskKind.COPY_GENERATE,
                          request: TextRequest, deadline_seconds=None) -> TextResult
    gateway_embed(*, workspace, actor, request: EmbedRequest, task=TaskKind.EMBED,
                  deadline_seconds=None) -> EmbedResult
    gateway_edit_image(*, workspace, actor, request: ImageEditRequest,
                       task=TaskKind.PHOTO_EDIT, deadline_seconds=None) -> ImageResult
    gateway_generate_image(*, workspace, actor, request: ImageGenerateRequest,
                           task=TaskKind.PHOTO_EDIT, deadline_seconds=None) -> ImageResult
    gateway_fine_tune_upload(*, workspace, actor, request: FineTuneFileRequest) -> FineTuneFile
    gateway_fine_tune_start(*, workspace, actor, request: FineTuneJobRequest) -> FineTuneJob
    gateway_fine_tune_status(*, workspace, actor, job_id: str) -> FineTuneJob
    gateway_test_connection(*, actor: Actor, provider: str) -> ConnectionCheck

A call that fails as a whole raises :class:`apps.gateway.errors.GatewayError` (a
``ServiceError``): its message says what was tried and why each failed, names the provider and
never contains a key; ``error.error_class`` says which class of failure ended it. Every attempt,
failed or cached ones included, leaves one ``UsageRecord``. Results carry ``provenance``; store
it with the output via :func:`provenance_fields` (for models inheriting
``apps.gateway.models.GenerationProvenance``) or :func:`provenance_record` (a JSON dict).

Usage rows are written while the call runs: call the gateway outside a long transaction (a
rollback would erase the record of provider calls that really happened).
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from apps.accounts.models import User
from apps.core.errors import ServiceError
from apps.gateway import engine, selectors
from apps.gateway.errors import scrub
from apps.gateway.providers import ProviderName, build_provider
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
    Provenance,
    TaskKind,
    TextRequest,
    TextResult,
)
from apps.workspaces.actors import Actor
from apps.workspaces.models import Workspace
from apps.workspaces.roles import Action

CONNECTION_CHECK_TIMEOUT = 10.0

# --- Calling models ----------------------------------------------------------------------------


def gateway_generate_text(
    *,
    workspace: Workspace,
    actor: User | None,
    task: TaskKind | str = TaskKind.COPY_GENERATE,
    request: TextRequest,
    deadline_seconds: float | None = None,
) -> TextResult:
    """``request.n`` candidates of text (JSON objects in ``candidate.data`` when the request
    carries a ``json_schema``). The gateway does not judge content: the app that asked checks
    what comes back (the copy studio runs its brand rules and claim guard on every candidate)."""
    return engine.run(
        workspace=workspace,
        actor=actor,
        task=task,
        operation="text",
        request=request,
        deadline_seconds=deadline_seconds,
    )


def gateway_embed(
    *,
    workspace: Workspace,
    actor: User | None,
    request: EmbedRequest,
    task: TaskKind | str = TaskKind.EMBED,
    deadline_seconds: float | None = None,
) -> EmbedResult:
    return engine.run(
        workspace=workspace,
        actor=actor,
        task=task,
        operation="embed",
        request=request,
        deadline_seconds=deadline_seconds,
    )


def gateway_edit_image(
    *,
    workspace: Workspace,
    actor: User | None,
    request: ImageEditRequest,
    task: TaskKind | str = TaskKind.PHOTO_EDIT,
    deadline_seconds: float | None = None,
) -> ImageResult:
    return engine.run(
        workspace=workspace,
        actor=actor,
        task=task,
        operation="image_edit",
        request=request,
        deadline_seconds=deadline_seconds,
    )


def gateway_generate_image(
    *,
    workspace: Workspace,
    actor: User | None,
    request: ImageGenerateRequest,
    task: TaskKind | str = TaskKind.PHOTO_EDIT,
    deadline_seconds: float | None = None,
) -> ImageResult:
    return engine.run(
        workspace=workspace,
        actor=actor,
        task=task,
        operation="image_generate",
        request=request,
        deadline_seconds=deadline_seconds,
    )


def gateway_fine_tune_upload(
    *, workspace: Workspace, actor: User | None, request: FineTuneFileRequest
) -> FineTuneFile:
    """Upload training examples (JSONL) to the provider of the fine-tuning route's primary."""
    return engine.run(
        workspace=workspace,
        actor=actor,
        task=TaskKind.FINE_TUNE,
        operation="fine_tune_file",
        request=request,
    )


def gateway_fine_tune_start(
    *, workspace: Workspace, actor: User | None, request: FineTuneJobRequest
) -> FineTuneJob:
    """Start fine-tuning the fine-tuning route's primary model on an uploaded file."""
    return engine.run(
        workspace=workspace,
        actor=actor,
        task=TaskKind.FINE_TUNE,
        operation="fine_tune_job",
        request=request,
    )


def gateway_fine_tune_status(
    *, workspace: Workspace, actor: User | None, job_id: str
) -> FineTuneJob:
    return engine.run(
        workspace=workspace,
        actor=actor,
        task=TaskKind.FINE_TUNE,
        operation="fine_tune_status",
        request=FineTuneJobStatusRequest(job_id=job_id),
    )


def gateway_test_connection(*, actor: Actor, provider: str) -> ConnectionCheck:
    """Reach ``provider`` with the actor's workspace's key and base URL; check that the models
    its routes name are offered. A person asks this from the Models page (their role must let
    them manage models); the answer's message is written for that page."""
    actor.require(Action.MANAGE_MODELS)
    workspace = actor.workspace
    if provider not in ProviderName.values:
        raise ServiceError(f"“{provider}” is not a provider Atelier knows.", field="provider")
    try:
        config, _scope = selectors.provider_config(workspace=workspace, provider=provider)
    except ServiceError as error:  # an undecryptable key: say so on the page
        return ConnectionCheck(provider=provider, ok=False, message=error.message)
    models = selectors.routed_models(workspace=workspace, provider=provider)
    started = time.monotonic()
    check = build_provider(provider, config).check_connection(
        timeout=CONNECTION_CHECK_TIMEOUT, models=models
    )
    if not check.latency_ms:
        check = dataclasses.replace(check, latency_ms=round((time.monotonic() - started) * 1000))
    return dataclasses.replace(check, message=scrub(check.message, config.secrets))


# --- Provenance --------------------------------------------------------------------------------


def provenance_record(result: Any, *, brand_profile_version: int | None = None) -> dict[str, Any]:
    """The provenance of a gateway result as a JSON-ready dict (for a JSONField)."""
    provenance: Provenance | None = getattr(result, "provenance", None)
    if provenance is None:
        raise ValueError("This result did not come from the gateway: it has no provenance.")
    data = dataclasses.asdict(provenance)
    data["parameters"] = dict(provenance.parameters)
    if brand_profile_version is not None:
        data["brand_profile_version"] = brand_profile_version
    return data


def provenance_fields(result: Any, *, brand_profile_version: int | None = None) -> dict[str, Any]:
    """Keyword arguments for a model inheriting ``GenerationProvenance``."""
    data = provenance_record(result, brand_profile_version=brand_profile_version)
    return {
        "gen_call_id": data["call_id"],
        "gen_task": data["task"],
        "gen_provider": data["provider"],
        "gen_model": data["model"],
        "gen_route_entry_id": data["route_entry_id"],
        "gen_route_position": data["route_position"],
        "gen_prompt_hash": data["prompt_hash"],
        "gen_parameters": data["parameters"],
        "gen_brand_profile_version": data["brand_profile_version"],
        "gen_usage_id": data["usage_id"],
        "gen_cached": data["cached"],
    }
