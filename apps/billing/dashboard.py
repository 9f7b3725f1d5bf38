"""The plan-and-credits panel on the admin dashboard (registered in BillingConfig.ready)."""

from typing import Any, cast

from django.http import HttpRequest

from apps.billing.selectors import billing_summary
from apps.workspaces.access import WorkspaceRequest
from apps.workspaces.dashboards import register_panel
from apps.workspaces.roles import PERMISSIONS, Action


def plan_panel(request: HttpRequest) -> dict[str, Any]:
    # Panels are drawn on the workspace dashboard only, a workspace_view.
    workspace_request = cast(WorkspaceRequest, request)
    return billing_summary(workspace=workspace_request.workspace)


def register() -> None:
    register_panel(
        key="billing.plan",
        roles=set(PERMISSIONS[Action.MANAGE_BILLING]),
        template="billing/panels/plan.html",
        context=plan_panel,
        order=90,
    )
