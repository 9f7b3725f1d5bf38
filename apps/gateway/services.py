"""The model gateway's public entry points, and the writes behind the Models page.

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
    gateway_test_connection(*, workspace, actor, provider: str) -> ConnectionCheck

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
from urllib.parse import urlparse

from django.db import transaction

from apps.accounts.models import User
from apps.core import netguard, trail
from apps.core.errors import ServiceError
from apps.gateway import encryption, engine, selectors
from apps.gateway.audit_actions import AuditAction
from apps.gateway.errors import scrub
from apps.gateway.models import (
    ModelEntry,
    ProviderCredential,
    Route,
    RouteEntry,
    models_visible_to,
)
from apps.gateway.providers import CONFIGURABLE_PROVIDERS, ProviderName, build_provider
from apps.gateway.types import (
    TASK_CAPABILITY,
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
from apps.workspaces.models import Workspace

MAX_FALLBACKS = 3
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


def gateway_test_connection(
    *, workspace: Workspace, actor: User | None, provider: str
) -> ConnectionCheck:
    """Reach ``provider`` with this workspace's key and base URL; check that the models its
    routes name are offered. The answer's message is written for the Models page."""
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


def provenance_record(result: Any, *, brand_profile_version: int | None = None) -> dict:
    """The provenance of a gateway result as a JSON-ready dict (for a JSONField)."""
    provenance: Provenance | None = getattr(result, "provenance", None)
    if provenance is None:
        raise ValueError("This result did not come from the gateway: it has no provenance.")
    data = dataclasses.asdict(provenance)
    data["parameters"] = dict(provenance.parameters)
    if brand_profile_version is not None:
        data["brand_profile_version"] = brand_profile_version
    return data


def provenance_fields(result: Any, *, brand_profile_version: int | None = None) -> dict:
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


# --- Routes ------------------------------------------------------------------------------------


@transaction.atomic
def route_save(
    *, workspace: Workspace, actor: User, task: str, model_ids: list[int | None]
) -> Route | None:
    """Set the route for ``task``: the primary first, then up to three fallbacks, in order.
    An empty list removes the route, and the task goes back to the default (local) model."""
    if task not in TaskKind.values:
        raise ServiceError(f"“{task}” is not a task kind.", field="task")
    label = TaskKind(task).label
    ids = [model_id for model_id in model_ids if model_id]
    if len(ids) > 1 + MAX_FALLBACKS:
        raise ServiceError(
            f"A route has one primary model and at most {MAX_FALLBACKS} fallbacks.",
            field="models",
        )
    if len(set(ids)) != len(ids):
        raise ServiceError(
            f"{label}: each model may appear once in a route (it is tried at most once).",
            field="models",
        )
    # Another workspace's own (fine-tuned) models are not in this workspace's registry.
    models = {m.pk: m for m in ModelEntry.objects.filter(models_visible_to(workspace), pk__in=ids)}
    capability = TASK_CAPABILITY[task]
    for model_id in ids:
        model = models.get(model_id)
        if model is None:
            raise ServiceError(
                f"{label}: model #{model_id} is not in the model registry. Choose a listed model.",
                field="models",
            )
        if not model.active:
            raise ServiceError(
                f"{label}: {model.display_name} is switched off in the registry.", field="models"
            )
        if not model.can(capability):
            raise ServiceError(
                f"{label}: {model.display_name} cannot do {TaskKind(task).label.lower()}.",
                field="models",
            )
    route = Route.objects.for_workspace(workspace).select_for_update().filter(task=task).first()
    # Now and again after the commit, so no worker keeps (or re-reads) the old route.
    selectors.route_cache_clear(workspace_id=workspace.pk, task=task)
    transaction.on_commit(lambda: selectors.route_cache_clear(workspace_id=workspace.pk, task=task))
    trail.record(
        workspace=workspace,
        user=actor,
        action=AuditAction.MODELS_ROUTE_CHANGED,
        target=label,
        details={"models": [models[i].display_name for i in ids] or ["default (local)"]},
    )
    if not ids:
        if route is not None:
            route.delete()
        return None
    if route is None:
        route = Route.objects.create(workspace=workspace, task=task, updated_by=actor)
    else:
        route.updated_by = actor
        route.save(update_fields=["updated_by", "updated_at"])
    # Keep the demo switch of a model that stays in the route.
    forced = {e.model_id: e.force_error for e in route.entries.all()}
    route.entries.all().delete()
    RouteEntry.objects.bulk_create(
        RouteEntry(
            workspace=workspace,
            route=route,
            position=position,
            model=models[model_id],
            force_error=forced.get(model_id, ""),
        )
        for position, model_id in enumerate(ids)
    )
    return route


# --- Provider credentials ----------------------------------------------------------------------


def _clean_base_url(base_url: str) -> str:
    base_url = (base_url or "").strip()
    if not base_url:
        return ""
    parsed = urlparse(base_url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ServiceError(
            "The base URL must start with http:// or https:// and name a server, e.g. "
            "https://api.openai.com/v1 or https://models.example.com/v1.",
            field="base_url",
        )
    if parsed.username or parsed.password:
        raise ServiceError("Put the key in the key field, not in the base URL.", field="base_url")
    # Checked again on every connection (the name may resolve elsewhere later): this only
    # refuses early, with the reason, what could never be reached.
    try:
        netguard.check_url(base_url)
    except netguard.OutboundRefused as refusal:
        raise ServiceError(f"Base URL: {refusal.message}", field="base_url") from None
    return base_url.rstrip("/")


@transaction.atomic
def credential_save(
    *,
    workspace: Workspace,
    actor: User,
    provider: str,
    api_key: str | None = None,
    base_url: str = "",
) -> ProviderCredential:
    """Store this workspace's key and base URL for ``provider``. The key is write-only: an
    empty ``api_key`` keeps the stored one; it is encrypted before it reaches the database."""
    if provider not in [p.value for p in CONFIGURABLE_PROVIDERS]:
        raise ServiceError(f"Keys cannot be set for “{provider}”.", field="provider")
    base_url = _clean_base_url(base_url)
    api_key = (api_key or "").strip()
    if any(ch.isspace() for ch in api_key):
        raise ServiceError("The key cannot contain spaces or line breaks.", field="api_key")
    credential = (
        ProviderCredential.objects.for_workspace(workspace)
        .select_for_update()
        .filter(provider=provider)
        .first()
    )
    if credential is None:
        if not api_key and not base_url:
            raise ServiceError("Enter a key, a base URL, or both.", field="api_key")
        credential = ProviderCredential(workspace=workspace, provider=provider)
    if api_key:
        credential.api_key_encrypted = encryption.encrypt(api_key)
        credential.api_key_last4 = encryption.last_four(api_key)
    credential.base_url = base_url
    credential.updated_by = actor
    credential.save()
    # The key itself never goes into the trail: only that it changed, and its last four.
    trail.record(
        workspace=workspace,
        user=actor,
        action=AuditAction.MODELS_KEY_SAVED,
        target=provider,
        details={
            "key": f"••••{credential.api_key_last4}" if api_key else "unchanged",
            "base_url": base_url or "default",
        },
    )
    return credential


@transaction.atomic
def credential_remove(*, workspace: Workspace, actor: User, provider: str) -> bool:
    deleted, _ = (
        ProviderCredential.objects.for_workspace(workspace).filter(provider=provider).delete()
    )
    if deleted:
        trail.record(
            workspace=workspace,
            user=actor,
            action=AuditAction.MODELS_KEY_REMOVED,
            target=provider,
        )
    return bool(deleted)


def credential_reencrypt_all() -> int:
    """Re-encrypt every stored key under the newest ATELIER_ENCRYPTION_KEYS entry (site-wide,
    for the management command). Returns how many keys were rewritten."""
    count = 0
    credentials = ProviderCredential.objects.all_workspaces().exclude(api_key_encrypted="")
    for credential_id in credentials.values_list("pk", flat=True):
        with transaction.atomic():
            credential = (
                ProviderCredential.objects.all_workspaces()
                .select_for_update()
                .get(pk=credential_id)
            )
            credential.api_key_encrypted = encryption.rotate(credential.api_key_encrypted)
            credential.save(update_fields=["api_key_encrypted"])
            count += 1
    return count
