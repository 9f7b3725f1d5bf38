"""The brand's panel on the brand manager's dashboard: each brand profile and its light."""

from typing import cast

from django.http import HttpRequest

from apps.brand import lighting_selectors
from apps.workspaces.access import WorkspaceRequest
from apps.workspaces.dashboards import register_panel
from apps.workspaces.roles import PERMISSIONS, Action


def lights_panel(request: HttpRequest) -> dict:
    # Dashboards are workspace views: workspace_view has set request.workspace.
    workspace = cast(WorkspaceRequest, request).workspace
    return {"lights": lighting_selectors.brand_lights(workspace=workspace)}


def register() -> None:
    register_panel(
        key="brand.lights",
        roles=set(PERMISSIONS[Action.MANAGE_BRAND]),
        template="brand/panels/lights.html",
        context=lights_panel,
        order=30,
    )
