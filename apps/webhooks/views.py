import json

from django.contrib import messages
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from apps.core.errors import ServiceError
from apps.core.views import act
from apps.webhooks import selectors, services
from apps.webhooks.delivery import event_envelope
from apps.webhooks.forms import EndpointForm
from apps.webhooks.models import WebhookEndpoint
from apps.workspaces.access import WorkspaceRequest, workspace_view
from apps.workspaces.roles import Action


def _show_secret(
    request: WorkspaceRequest, endpoint: WebhookEndpoint, secret: str, *, rotated: bool
) -> HttpResponse:
    """The one time a secret is shown: in the answer to the POST that made it, never stored
    for a later page and never cached."""
    response = render(
        request,
        "webhooks/secret.html",
        {"endpoint": endpoint, "secret": secret, "rotated": rotated},
    )
    response["Cache-Control"] = "no-store"
    return response


def _form_error(form: EndpointForm, error: ServiceError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


@workspace_view(Action.MANAGE_WEBHOOKS)
@require_http_methods(["GET", "POST"])
def endpoint_list(request: WorkspaceRequest) -> HttpResponse:
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint, secret = services.endpoint_create(
                actor=request.actor,
                url=form.cleaned_data["url"],
                events=form.cleaned_data["events"],
                description=form.cleaned_data["description"],
            )
        except ServiceError as error:
            _form_error(form, error)
        else:
            return _show_secret(request, endpoint, secret, rotated=False)
    endpoints = selectors.endpoint_list(workspace=request.workspace)
    return render(
        request,
        "webhooks/list.html",
        {"form": form, "endpoints": endpoints},
        status=400 if form.errors else 200,
    )


@workspace_view(Action.MANAGE_WEBHOOKS)
@require_http_methods(["GET", "POST"])
def endpoint_detail(request: WorkspaceRequest, endpoint_id: int) -> HttpResponse:
    endpoint = selectors.endpoint_get(workspace=request.workspace, endpoint_id=endpoint_id)
    initial = {"url": endpoint.url, "description": endpoint.description, "events": endpoint.events}
    form = EndpointForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.endpoint_update(
                actor=request.actor,
                endpoint_id=endpoint.pk,
                url=form.cleaned_data["url"],
                events=form.cleaned_data["events"],
                description=form.cleaned_data["description"],
            )
        except ServiceError as error:
            _form_error(form, error)
        else:
            messages.success(request, "Endpoint saved.")
            return redirect(
                "webhooks_endpoint", slug=request.workspace.slug, endpoint_id=endpoint.pk
            )
    page = selectors.delivery_page(
        workspace=request.workspace, endpoint=endpoint, page=request.GET.get("page", 1)
    )
    return render(
        request,
        "webhooks/endpoint.html",
        {"endpoint": endpoint, "form": form, "page": page},
        status=400 if form.errors else 200,
    )


@workspace_view(Action.MANAGE_WEBHOOKS)
@require_POST
def endpoint_rotate_secret(request: WorkspaceRequest, endpoint_id: int) -> HttpResponse:
    selectors.endpoint_get(workspace=request.workspace, endpoint_id=endpoint_id)  # or 404
    try:
        endpoint, secret = services.endpoint_rotate_secret(
            actor=request.actor, endpoint_id=endpoint_id
        )
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect("webhooks_list", slug=request.workspace.slug)
    return _show_secret(request, endpoint, secret, rotated=True)


@workspace_view(Action.MANAGE_WEBHOOKS)
@require_POST
def endpoint_enable(request: WorkspaceRequest, endpoint_id: int) -> HttpResponse:
    selectors.endpoint_get(workspace=request.workspace, endpoint_id=endpoint_id)  # or 404
    return act(
        request,
        lambda: services.endpoint_set_enabled(
            actor=request.actor, endpoint_id=endpoint_id, enabled=True
        ),
        success="The endpoint is on: new events will be sent to it.",
        then="webhooks_endpoint",
        endpoint_id=endpoint_id,
    )


@workspace_view(Action.MANAGE_WEBHOOKS)
@require_POST
def endpoint_disable(request: WorkspaceRequest, endpoint_id: int) -> HttpResponse:
    selectors.endpoint_get(workspace=request.workspace, endpoint_id=endpoint_id)  # or 404
    return act(
        request,
        lambda: services.endpoint_set_enabled(
            actor=request.actor, endpoint_id=endpoint_id, enabled=False
        ),
        success="The endpoint is off: nothing more will be sent to it until you switch it on.",
        then="webhooks_endpoint",
        endpoint_id=endpoint_id,
    )


@workspace_view(Action.MANAGE_WEBHOOKS)
@require_POST
def endpoint_delete(request: WorkspaceRequest, endpoint_id: int) -> HttpResponse:
    selectors.endpoint_get(workspace=request.workspace, endpoint_id=endpoint_id)  # or 404
    return act(
        request,
        lambda: services.endpoint_delete(actor=request.actor, endpoint_id=endpoint_id),
        success=lambda url: f"The endpoint {url} and its delivery log were deleted.",
        then="webhooks_list",
    )


@workspace_view(Action.MANAGE_WEBHOOKS)
def delivery_detail(request: WorkspaceRequest, delivery_id: int) -> HttpResponse:
    delivery = selectors.delivery_get(workspace=request.workspace, delivery_id=delivery_id)
    if request.method != "GET":  # after the lookup: another workspace's delivery is a 404
        return HttpResponseNotAllowed(["GET"])
    payload = json.dumps(event_envelope(delivery.event, request.workspace), indent=2)
    return render(
        request,
        "webhooks/delivery.html",
        {
            "endpoint": delivery.endpoint,
            "delivery": delivery,
            "attempts": selectors.attempt_list(delivery=delivery),
            "payload": payload,
        },
    )


@workspace_view(Action.MANAGE_WEBHOOKS)
@require_POST
def delivery_redeliver(request: WorkspaceRequest, delivery_id: int) -> HttpResponse:
    selectors.delivery_get(workspace=request.workspace, delivery_id=delivery_id)  # or 404
    return act(
        request,
        lambda: services.delivery_redeliver(actor=request.actor, delivery_id=delivery_id),
        success="Sending it again now; the attempt appears in the log below.",
        then="webhooks_delivery",
        delivery_id=delivery_id,
    )
