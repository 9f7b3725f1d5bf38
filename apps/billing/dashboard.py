"""The plan-and-credits panel on the admin dashboard (registered in BillingConfig.ready)."""

from typing import Any

from apps.billing.selectors import billing_summary
from apps.workspaces.access import WorkspaceRequest
from apps.workspaces.dashboards import register_panel
from apps.workspaces.roles import PERMISSIONS, Action


def plan_panel(request: WorkspaceRequest) -> dict[str, Any]:
    return billing_summary(workspace=request.workspace)


def register() -> None:
    register_panel(
        key="billing.plan",
        roles=set(PERMISSIONS[Action.MANAGE_BILLING]),
        template="billing/panels/plan.html",
        context=plan_panel,
        order=90,
    )
