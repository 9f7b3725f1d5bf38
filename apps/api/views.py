"""The workspace's API keys page: list, create (the secret shown once), revoke."""

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_POST

from apps.api import selectors, services
from apps.api.forms import ApiKeyForm
from apps.core.errors import ServiceError
from apps.core.views import act
from apps.workspaces.access import WorkspaceRequest, workspace_view
from apps.workspaces.roles import Action


@workspace_view(Action.MANAGE_API_KEYS)
@require_http_methods(["GET", "POST"])
def api_key_list(request: WorkspaceRequest) -> HttpResponse:
    form = ApiKeyForm(request.POST or None, roles=services.roles_key_may_have(request.actor))
    issued = None
    if request.method == "POST" and form.is_valid():
        try:
            issued = services.api_key_create(
                actor=request.actor,
                name=form.cleaned_data["name"],
                role=form.cleaned_data["role"],
                expires_at=form.expires_at(),
            )
        except ServiceError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            form = ApiKeyForm(roles=services.roles_key_may_have(request.actor))
    context = {
        "keys": selectors.api_key_list(workspace=request.workspace),
        "form": form,
        "issued": issued,
    }
    return render(request, "api/keys.html", context, status=400 if form.errors else 200)


@workspace_view(Action.MANAGE_API_KEYS)
@require_POST
def api_key_revoke(request: WorkspaceRequest, api_key_id: int) -> HttpResponse:
    selectors.api_key_get(workspace=request.workspace, key_id=api_key_id)  # or 404
    return act(
        request,
        lambda: services.api_key_revoke(actor=request.actor, key_id=api_key_id),
        success=lambda key: f"{key.label} was revoked; requests with it now get 401.",
        then="api_key_list",
    )
