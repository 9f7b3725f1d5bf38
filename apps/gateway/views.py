import csv
import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from apps.core.errors import ServiceError
from apps.core.views import act
from apps.gateway import charts, model_settings, selectors, services
from apps.gateway.forms import (
    USAGE_PERIODS,
    CredentialForm,
    ProviderForm,
    RouteForm,
    UsagePeriodForm,
)
from apps.gateway.model_settings import MAX_FALLBACKS
from apps.gateway.providers import ProviderName
from apps.gateway.types import ConnectionCheck, TaskKind
from apps.workspaces.access import WorkspaceRequest, workspace_view
from apps.workspaces.roles import Action


def _models_context(
    request: WorkspaceRequest,
    *,
    route_errors: dict[str, str] | None = None,
    credential_errors: dict[str, str] | None = None,
) -> dict[str, Any]:
    workspace = request.workspace
    return {
        "routes": selectors.route_overview(workspace=workspace),
        "credentials": selectors.credential_list(workspace=workspace),
        "registry": selectors.model_list(workspace=workspace),
        "fallback_slots": range(1, MAX_FALLBACKS + 1),
        "route_errors": route_errors or {},
        "credential_errors": credential_errors or {},
        "site_openai_key": bool(settings.GATEWAY_OPENAI_API_KEY),
        "site_openai_base_url": settings.GATEWAY_OPENAI_BASE_URL,
        "providers": ProviderName,
    }


@workspace_view(Action.MANAGE_MODELS)
@require_GET
def models_page(request: WorkspaceRequest) -> HttpResponse:
    return render(request, "gateway/models.html", _models_context(request))


@workspace_view(Action.MANAGE_MODELS)
@require_POST
def route_save(request: WorkspaceRequest) -> HttpResponse:
    form = RouteForm(request.POST)
    if not form.is_valid():
        task = request.POST.get("task", "")
        message = "Choose models from the lists (the primary first, then fallbacks)."
        errors = {task: message}
        if task not in TaskKind.values:  # no card to show it on
            messages.error(request, message)
        return render(
            request,
            "gateway/models.html",
            _models_context(request, route_errors=errors),
            status=400,
        )
    task = form.cleaned_data["task"]
    try:
        route = model_settings.route_save(
            actor=request.actor,
            task=task,
            model_ids=form.model_ids(),
        )
    except ServiceError as error:
        return render(
            request,
            "gateway/models.html",
            _models_context(request, route_errors={task: error.message}),
            status=400,
        )
    label = TaskKind(task).label
    if route is None:
        messages.success(request, f"{label} uses the default local model again.")
    else:
        messages.success(request, f"Route for {label.lower()} saved.")
    return redirect("gateway_models", slug=request.workspace.slug)


@workspace_view(Action.MANAGE_MODELS)
@require_POST
def credential_save(request: WorkspaceRequest) -> HttpResponse:
    form = CredentialForm(request.POST)
    provider = request.POST.get("provider", "")
    if form.is_valid():
        try:
            credential = model_settings.credential_save(
                actor=request.actor,
                provider=form.cleaned_data["provider"],
                api_key=form.cleaned_data["api_key"],
                base_url=form.cleaned_data["base_url"],
            )
        except ServiceError as error:
            message = error.message
        else:
            shown = credential.masked_key or "no key"
            messages.success(
                request, f"{credential.get_provider_display()} settings saved (key: {shown})."
            )
            return redirect("gateway_models", slug=request.workspace.slug)
    else:
        # Never echo what was typed: the key field is write-only even in an error.
        message = "Check the provider and the base URL (at most 300 characters)."
    return render(
        request,
        "gateway/models.html",
        _models_context(request, credential_errors={provider: message}),
        status=400,
    )


@workspace_view(Action.MANAGE_MODELS)
@require_POST
def credential_remove(request: WorkspaceRequest) -> HttpResponse:
    form = ProviderForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a provider.")
        return render(request, "gateway/models.html", _models_context(request), status=400)
    provider = form.cleaned_data["provider"]
    label = ProviderName(provider).label
    return act(
        request,
        lambda: model_settings.credential_remove(actor=request.actor, provider=provider),
        success=lambda removed: (
            f"The {label} key and base URL were removed."
            if removed
            else f"There was no {label} key to remove."
        ),
        then="gateway_models",
    )


@workspace_view(Action.MANAGE_MODELS)
@require_POST
def test_connection(request: WorkspaceRequest) -> HttpResponse:
    form = ProviderForm(request.POST)
    if not form.is_valid():
        if request.htmx:
            return render(
                request,
                "gateway/partials/connection_result.html",
                {"check": None, "error": "Choose a provider to test."},
                status=400,
            )
        messages.error(request, "Choose a provider to test.")
        return render(request, "gateway/models.html", _models_context(request), status=400)
    try:
        check = services.gateway_test_connection(
            actor=request.actor, provider=form.cleaned_data["provider"]
        )
    except ServiceError as error:
        check = ConnectionCheck(
            provider=form.cleaned_data["provider"], ok=False, message=error.message
        )
    if request.htmx:
        return render(request, "gateway/partials/connection_result.html", {"check": check})
    (messages.success if check.ok else messages.error)(request, check.message)
    return redirect("gateway_models", slug=request.workspace.slug)


@workspace_view(Action.MANAGE_MODELS)
@require_GET
def usage(request: WorkspaceRequest) -> HttpResponse:
    days = UsagePeriodForm(request.GET).days_or_default()
    summary = selectors.usage_summary(workspace=request.workspace, days=days)
    chart = charts.daily_attempts_chart(summary.by_day)
    return render(
        request,
        "gateway/usage.html",
        {"summary": summary, "chart": chart, "days": days, "periods": USAGE_PERIODS},
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


def _cell(value: object) -> str:
    """Text a spreadsheet will not run as a formula (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@workspace_view(Action.MANAGE_MODELS)
@require_GET
def usage_csv(request: WorkspaceRequest) -> StreamingHttpResponse:
    days = UsagePeriodForm(request.GET).days_or_default()
    rows = selectors.usage_export(workspace=request.workspace, days=days)
    writer = csv.writer(_Echo())
    header = [
        "time_utc",
        "call_id",
        "user",
        "task",
        "operation",
        "provider",
        "model",
        "route_position",
        "attempt",
        "outcome",
        "error_class",
        "error_message",
        "cached",
        "input_tokens",
        "output_tokens",
        "cached_input_tokens",
        "images",
        "cost_usd",
        "priced",
        "latency_ms",
    ]

    def stream() -> Iterator[str]:
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow(
                [
                    row.created_at.astimezone(dt.UTC).isoformat(timespec="seconds"),
                    row.call_id,
                    _cell(row.user.email if row.user else ""),
                    row.task,
                    row.operation,
                    row.provider,
                    _cell(row.model_name),
                    row.route_position,
                    row.attempt,
                    row.outcome,
                    row.error_class,
                    _cell(row.error_message),
                    "yes" if row.cached else "no",
                    row.input_tokens,
                    row.output_tokens,
                    row.cached_input_tokens,
                    row.images,
                    "" if row.cost is None else f"{row.cost:.8f}",
                    "yes" if row.cost is not None else "no",
                    row.latency_ms,
                ]
            )

    filename = f"atelier-usage-{request.workspace.slug}-{timezone.localdate():%Y%m%d}.csv"
    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
