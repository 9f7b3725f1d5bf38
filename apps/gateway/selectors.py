"""Reads for the gateway: routes as the engine needs them, the registry, credentials, usage."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncDate
from django.shortcuts import get_object_or_404
from django.utils import timezone

from apps.gateway import encryption
from apps.gateway.models import (
    ModelEntry,
    ModelPrice,
    Outcome,
    ProviderCredential,
    Route,
    RouteEntry,
    UsageRecord,
    models_visible_to,
)
from apps.gateway.pricing import PriceSnapshot
from apps.gateway.providers import CONFIGURABLE_PROVIDERS, ProviderConfig, ProviderName
from apps.gateway.types import TASK_CAPABILITY, Capability, TaskKind
from apps.workspaces.models import Workspace

# What a workspace without a route of its own uses: the local provider, always there.
DEFAULT_ROUTES: dict[str, tuple[tuple[str, str], ...]] = {
    TaskKind.COPY_GENERATE: ((ProviderName.LOCAL, "local-copy"),),
    TaskKind.COPY_SCORE: ((ProviderName.LOCAL, "local-copy"),),
    TaskKind.EMBED: ((ProviderName.LOCAL, "local-embed"),),
    TaskKind.PHOTO_EDIT: (),  # the local provider edits no images (yet): choose a model
    TaskKind.FINE_TUNE: (),
}


@dataclass(frozen=True)
class RouteStep:
    """One entry of a route, resolved with everything the engine needs to call it."""

    position: int
    provider: str
    model: str
    capabilities: frozenset[str]
    route_entry_id: int | None = None
    model_id: int | None = None
    force_error: str = ""
    max_concurrency: int | None = None
    requests_per_minute: int | None = None
    price: PriceSnapshot | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.provider, self.model)


def _current_prices(model_ids: list[int]) -> dict[int, PriceSnapshot]:
    if not model_ids:
        return {}
    rows = (
        ModelPrice.objects.filter(model_id__in=model_ids, effective_from__lte=timezone.now())
        .order_by("model_id", "-effective_from", "-id")
        .values(
            "id",
            "model_id",
            "input_per_million",
            "output_per_million",
            "cached_input_per_million",
            "image_prices",
        )
    )
    prices: dict[int, PriceSnapshot] = {}
    for row in rows:
        if row["model_id"] in prices:
            continue
        prices[row["model_id"]] = PriceSnapshot(
            price_id=row["id"],
            input_per_million=row["input_per_million"],
            output_per_million=row["output_per_million"],
            cached_input_per_million=row["cached_input_per_million"],
            image_prices=dict(row["image_prices"] or {}),
        )
    return prices


def _step(model: ModelEntry, position: int, price: PriceSnapshot | None, **extra: Any) -> RouteStep:
    return RouteStep(
        position=position,
        provider=model.provider,
        model=model.name,
        capabilities=frozenset(model.capabilities or ()),
        model_id=model.pk,
        max_concurrency=model.max_concurrency,
        requests_per_minute=model.requests_per_minute,
        price=price,
        **extra,
    )


def route_steps(*, workspace: Workspace, task: str) -> list[RouteStep]:
    """The route for ``task`` in order (primary first), or the default local route."""
    entries = list(
        RouteEntry.objects.for_workspace(workspace)
        .filter(route__task=task)
        .select_related("model")
        .order_by("position")
    )
    if entries:
        prices = _current_prices([e.model_id for e in entries])
        return [
            _step(
                entry.model,
                index,
                prices.get(entry.model_id),
                route_entry_id=entry.pk,
                force_error=entry.force_error,
            )
            for index, entry in enumerate(entries)
            # Another workspace's own model (a route saved before ownership was checked) is
            # never called with this workspace's key.
            if entry.model.active and entry.model.usable_by(workspace.pk)
        ]
    defaults = DEFAULT_ROUTES.get(task, ())
    if not defaults:
        return []
    models = {
        (m.provider, m.name): m
        for m in ModelEntry.objects.filter(owner_workspace__isnull=True).filter(
            Q(*[Q(provider=p, name=n) for p, n in defaults], _connector=Q.OR)
        )
    }
    prices = _current_prices([m.pk for m in models.values()])
    steps = []
    for index, (provider, name) in enumerate(defaults):
        model = models.get((provider, name))
        if model is not None:
            steps.append(_step(model, index, prices.get(model.pk)))
        else:  # the registry lost its seed rows: the local provider still works, unpriced
            steps.append(
                RouteStep(
                    position=index,
                    provider=provider,
                    model=name,
                    capabilities=frozenset({TASK_CAPABILITY[task], Capability.JSON_SCHEMA}),
                )
            )
    return steps


# Resolved routes, memoised per process: (workspace id, its creation time, task) ->
# (expires at, steps). The creation time keeps a recycled id (a test database rolled back) from
# meeting another workspace's route.
_route_memo: dict[tuple, tuple[float, list[RouteStep]]] = {}
_route_memo_lock = threading.Lock()


def route_steps_cached(*, workspace: Workspace, task: str) -> list[RouteStep]:
    """``route_steps``, remembered by this process for GATEWAY_ROUTE_CACHE_SECONDS: every call
    needs its route, and three queries per call were most of the gateway's own cost. A route
    saved in this process applies at once (``route_cache_clear``); other processes, and edits
    of the registry or prices in the admin, take effect within that many seconds."""
    ttl = settings.GATEWAY_ROUTE_CACHE_SECONDS
    if ttl <= 0:
        return route_steps(workspace=workspace, task=task)
    key = (workspace.pk, workspace.created_at, task)
    now = time.monotonic()
    memo = _route_memo.get(key)
    if memo is not None and memo[0] > now:
        return memo[1]
    steps = route_steps(workspace=workspace, task=task)
    with _route_memo_lock:
        if len(_route_memo) > 10_000:
            _route_memo.clear()
        _route_memo[key] = (now + ttl, steps)
    return steps


def route_cache_clear(*, workspace_id: int | None = None, task: str | None = None) -> None:
    with _route_memo_lock:
        for key in list(_route_memo):
            if workspace_id is None or (key[0] == workspace_id and task in (None, key[2])):
                _route_memo.pop(key, None)


def provider_config(*, workspace: Workspace, provider: str) -> tuple[ProviderConfig, str]:
    """How to reach ``provider`` for this workspace, and the scope its health is tracked in
    (a workspace's own key or server is a different backend from the site's)."""
    if provider == ProviderName.LOCAL:
        return ProviderConfig(latency_ms=settings.GATEWAY_LOCAL_LATENCY_MS), "site"
    credential = (
        ProviderCredential.objects.for_workspace(workspace).filter(provider=provider).first()
    )
    if credential is not None and (credential.has_key or credential.base_url):
        api_key = ""
        if credential.has_key:
            api_key = encryption.decrypt(
                credential.api_key_encrypted,
                what=f"the stored {credential.get_provider_display()} key",
            )
        config = ProviderConfig(
            api_key=api_key, base_url=credential.base_url, key_source="workspace"
        )
        return config, f"ws{workspace.pk}"
    if provider == ProviderName.OPENAI:
        config = ProviderConfig(
            api_key=settings.GATEWAY_OPENAI_API_KEY,
            base_url=settings.GATEWAY_OPENAI_BASE_URL,
            key_source="site",
        )
        return config, "site"
    return ProviderConfig(), "site"


# --- Registry and settings pages ---------------------------------------------------------------


def _usd(value: Decimal | None) -> str:
    if value is None:
        return "—"
    text = format(value.normalize(), "f")
    return f"${text}"


@dataclass
class RegistryRow:
    model: ModelEntry
    price: PriceSnapshot | None

    @property
    def token_prices(self) -> tuple[str, str, str] | None:
        """Input, output and cached input per 1M tokens as shown, or None if not priced so."""
        if self.price is None or not self.price.has_token_prices:
            return None
        return (
            _usd(self.price.input_per_million),
            _usd(self.price.output_per_million),
            _usd(self.price.cached_input_per_million),
        )


def model_list(*, workspace: Workspace, active_only: bool = True) -> list[RegistryRow]:
    """The registry as ``workspace`` sees it: site-wide models and its own fine-tuned ones."""
    rows = ModelEntry.objects.filter(models_visible_to(workspace))
    models = list(rows.filter(active=True) if active_only else rows)
    prices = _current_prices([m.pk for m in models])
    return [RegistryRow(model=m, price=prices.get(m.pk)) for m in models]


def model_choices_for_task(*, workspace: Workspace, task: str) -> list[ModelEntry]:
    capability = TASK_CAPABILITY[task]
    visible = ModelEntry.objects.filter(models_visible_to(workspace), active=True)
    return [m for m in visible if m.can(capability)]


def model_get(*, workspace: Workspace, model_id: int) -> ModelEntry | None:
    return ModelEntry.objects.filter(models_visible_to(workspace), pk=model_id).first()


@dataclass
class RouteView:
    task: str
    label: str
    entries: list[RouteEntry]
    default: list[RouteStep] = field(default_factory=list)
    choices: list[ModelEntry] = field(default_factory=list)

    @property
    def is_default(self) -> bool:
        return not self.entries


def route_overview(*, workspace: Workspace) -> list[RouteView]:
    entries = list(
        RouteEntry.objects.for_workspace(workspace)
        .select_related("route", "model")
        .order_by("route__task", "position")
    )
    by_task: dict[str, list[RouteEntry]] = {}
    for entry in entries:
        by_task.setdefault(entry.route.task, []).append(entry)
    views = []
    for task in TaskKind:
        view = RouteView(
            task=task.value,
            label=task.label,
            entries=by_task.get(task.value, []),
            choices=model_choices_for_task(workspace=workspace, task=task.value),
        )
        if view.is_default:
            view.default = route_steps(workspace=workspace, task=task.value)
        views.append(view)
    return views


def route_get(*, workspace: Workspace, task: str) -> Route | None:
    return Route.objects.for_workspace(workspace).filter(task=task).first()


def credential_list(*, workspace: Workspace) -> dict[str, ProviderCredential | None]:
    found = {c.provider: c for c in ProviderCredential.objects.for_workspace(workspace)}
    return {p.value: found.get(p.value) for p in CONFIGURABLE_PROVIDERS}


def credential_get(*, workspace: Workspace, provider: str) -> ProviderCredential:
    return get_object_or_404(ProviderCredential.objects.for_workspace(workspace), provider=provider)


def routed_models(*, workspace: Workspace, provider: str) -> tuple[str, ...]:
    """The models this workspace's routes name at ``provider`` (for a connection check)."""
    names = (
        RouteEntry.objects.for_workspace(workspace)
        .filter(model__provider=provider)
        .values_list("model__name", flat=True)
        .distinct()
    )
    return tuple(sorted(names))


# --- Usage -------------------------------------------------------------------------------------


@dataclass
class UsageSummary:
    since: dt.datetime
    days: int
    totals: dict
    by_day: list[dict]
    by_model: list[dict]
    by_task: list[dict]


_AGGREGATES = {
    "attempts": Count("id"),
    "calls": Count("call_id", distinct=True),
    "failures": Count("id", filter=Q(outcome=Outcome.ERROR)),
    "cached_hits": Count("id", filter=Q(cached=True)),
    "unpriced": Count("id", filter=Q(cost__isnull=True)),
    "input_tokens": Sum("input_tokens"),
    "output_tokens": Sum("output_tokens"),
    "images": Sum("images"),
    "cost": Sum("cost"),
}


def _clean(row: Mapping[str, Any]) -> dict[str, Any]:
    """An aggregate row with zeros where nothing was summed."""
    cleaned = dict(row)
    for key in ("input_tokens", "output_tokens", "images"):
        cleaned[key] = cleaned.get(key) or 0
    cleaned["cost"] = cleaned.get("cost") or Decimal(0)
    return cleaned


def usage_summary(*, workspace: Workspace, days: int = 30) -> UsageSummary:
    today = timezone.localdate()
    start_day = today - dt.timedelta(days=days - 1)
    since = timezone.make_aware(dt.datetime.combine(start_day, dt.time.min))
    rows = UsageRecord.objects.for_workspace(workspace).filter(created_at__gte=since)
    totals = _clean(rows.aggregate(**_AGGREGATES))
    daily = {
        r["day"]: _clean(r)
        for r in rows.annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(**_AGGREGATES)
        .order_by("day")
    }
    by_day = []
    for offset in range(days):
        day = start_day + dt.timedelta(days=offset)
        row = daily.get(day) or _clean(
            {"attempts": 0, "calls": 0, "failures": 0, "cached_hits": 0, "unpriced": 0}
        )
        row["day"] = day
        by_day.append(row)
    by_model = [
        _clean(r)
        for r in rows.values("provider", "model_name")
        .annotate(**_AGGREGATES)
        .order_by(F("attempts").desc(), "provider", "model_name")
    ]
    task_labels = dict(TaskKind.choices)
    by_task = []
    for r in rows.values("task").annotate(**_AGGREGATES).order_by(F("attempts").desc(), "task"):
        row = _clean(r)
        row["label"] = task_labels.get(r["task"], r["task"])
        by_task.append(row)
    return UsageSummary(
        since=since, days=days, totals=totals, by_day=by_day, by_model=by_model, by_task=by_task
    )


def usage_export(*, workspace: Workspace, days: int = 30) -> Iterator[UsageRecord]:
    since = timezone.now() - dt.timedelta(days=days)
    return (
        UsageRecord.objects.for_workspace(workspace)
        .filter(created_at__gte=since)
        .select_related("user")
        .order_by("created_at", "id")
        .iterator(chunk_size=2000)
    )


def usage_for_call(*, workspace: Workspace, call_id: str | UUID) -> list[UsageRecord]:
    return list(UsageRecord.objects.for_workspace(workspace).filter(call_id=call_id).order_by("id"))
