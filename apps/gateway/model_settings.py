"""Writes behind the Models page: a workspace's routes, its provider keys and base URLs, and
the models it owns in the registry (a fine-tuned model).

Each takes the acting member (``actor``), refuses (``NotAllowed``) unless their role may manage
models, and records what changed in the audit trail in their name (never a key). Model calls
themselves are :mod:`apps.gateway.services`'.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlparse

from django.db import transaction

from apps.core import netguard
from apps.core.errors import ServiceError
from apps.gateway import encryption, selectors
from apps.gateway.audit_actions import AuditAction
from apps.gateway.models import (
    ModelEntry,
    ProviderCredential,
    Route,
    RouteEntry,
    models_visible_to,
)
from apps.gateway.providers import CONFIGURABLE_PROVIDERS, ProviderName
from apps.gateway.types import TASK_CAPABILITY, TaskKind
from apps.workspaces.actors import Actor
from apps.workspaces.roles import Action

MAX_FALLBACKS = 3


# --- Routes ------------------------------------------------------------------------------------


def _route_models(actor: Actor, task: str, ids: list[int]) -> dict[int, ModelEntry]:
    """The registry rows ``ids`` name, refusing any this route may not use."""
    label = TaskKind(task).label
    # Another workspace's own (fine-tuned) models are not in this workspace's registry.
    visible = models_visible_to(actor.workspace)
    models = {m.pk: m for m in ModelEntry.objects.filter(visible, pk__in=ids)}
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
                f"{label}: {model.display_name} cannot do {label.lower()}.",
                field="models",
            )
    return models


@transaction.atomic  # not durable: a brand's fine-tuned model is routed inside its service
def route_save(*, actor: Actor, task: str, model_ids: Sequence[int | None]) -> Route | None:
    """Set the route for ``task``: the primary first, then up to three fallbacks, in order.
    An empty list removes the route, and the task goes back to the default (local) model."""
    actor.require(Action.MANAGE_MODELS)
    workspace = actor.workspace
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
    models = _route_models(actor, task, ids)
    route = Route.objects.for_workspace(workspace).select_for_update().filter(task=task).first()
    # Now and again after the commit, so no worker keeps (or re-reads) the old route.
    selectors.route_cache_clear(workspace_id=workspace.pk, task=task)
    transaction.on_commit(lambda: selectors.route_cache_clear(workspace_id=workspace.pk, task=task))
    actor.record(
        AuditAction.MODELS_ROUTE_CHANGED,
        target=label,
        details={"models": [models[i].display_name for i in ids] or ["default (local)"]},
    )
    if not ids:
        if route is not None:
            route.delete()
        return None
    if route is None:
        route = Route.objects.create(workspace=workspace, task=task, updated_by=actor.user)
    else:
        route.updated_by = actor.user
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


# --- The workspace's own models ----------------------------------------------------------------


@transaction.atomic  # not durable: called by the brand's fine-tuning service
def model_entry_add_own(
    *,
    actor: Actor,
    provider: str,
    name: str,
    label: str,
    capabilities: Sequence[str],
    notes: str = "",
) -> ModelEntry:
    """Add a model only this workspace may use (one fine-tuned under its own key) to the
    registry, or return the one it already has of that name."""
    actor.require(Action.MANAGE_MODELS)
    if provider not in ProviderName.values:
        raise ServiceError(f"“{provider}” is not a provider Atelier knows.", field="provider")
    name = name.strip()
    if not name:
        raise ServiceError("The model needs a name.", field="name")
    model, created = ModelEntry.objects.get_or_create(
        provider=provider,
        name=name,
        owner_workspace=actor.workspace,
        defaults={"label": label, "capabilities": list(capabilities), "notes": notes},
    )
    if created:
        actor.record(
            AuditAction.MODELS_MODEL_ADDED,
            target=model.display_name,
            details={"provider": provider, "capabilities": list(capabilities)},
        )
    return model


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


@transaction.atomic(durable=True)
def credential_save(
    *,
    actor: Actor,
    provider: str,
    api_key: str | None = None,
    base_url: str = "",
) -> ProviderCredential:
    """Store this workspace's key and base URL for ``provider``. The key is write-only: an
    empty ``api_key`` keeps the stored one; it is encrypted before it reaches the database."""
    actor.require(Action.MANAGE_MODELS)
    if provider not in [p.value for p in CONFIGURABLE_PROVIDERS]:
        raise ServiceError(f"Keys cannot be set for “{provider}”.", field="provider")
    base_url = _clean_base_url(base_url)
    api_key = (api_key or "").strip()
    if any(ch.isspace() for ch in api_key):
        raise ServiceError("The key cannot contain spaces or line breaks.", field="api_key")
    credential = (
        ProviderCredential.objects.for_workspace(actor.workspace)
        .select_for_update()
        .filter(provider=provider)
        .first()
    )
    if credential is None:
        if not api_key and not base_url:
            raise ServiceError("Enter a key, a base URL, or both.", field="api_key")
        credential = ProviderCredential(workspace=actor.workspace, provider=provider)
    if api_key:
        credential.api_key_encrypted = encryption.encrypt(api_key)
        credential.api_key_last4 = encryption.last_four(api_key)
    credential.base_url = base_url
    credential.updated_by = actor.user
    credential.save()
    # The key itself never goes into the trail: only that it changed, and its last four.
    actor.record(
        AuditAction.MODELS_KEY_SAVED,
        target=provider,
        details={
            "key": f"••••{credential.api_key_last4}" if api_key else "unchanged",
            "base_url": base_url or "default",
        },
    )
    return credential


@transaction.atomic(durable=True)
def credential_remove(*, actor: Actor, provider: str) -> bool:
    """Remove this workspace's key and base URL for ``provider``; False when there was none."""
    actor.require(Action.MANAGE_MODELS)
    deleted, _ = (
        ProviderCredential.objects.for_workspace(actor.workspace).filter(provider=provider).delete()
    )
    if deleted:
        actor.record(AuditAction.MODELS_KEY_REMOVED, target=provider)
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
