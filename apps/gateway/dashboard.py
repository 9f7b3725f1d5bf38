"""Model usage on the admin dashboard (registered in GatewayConfig.ready): calls, failures and
cost over the last week, and the tasks that made most of them."""

from typing import Any

from apps.gateway.selectors import usage_summary
from apps.workspaces.access import WorkspaceRequest
from apps.workspaces.dashboards import register_panel
from apps.workspaces.roles import PERMISSIONS, Action

USAGE_DAYS = 7


def usage_panel(request: WorkspaceRequest) -> dict[str, Any]:
    summary = usage_summary(workspace=request.workspace, days=USAGE_DAYS)
    return {"days": USAGE_DAYS, "totals": summary.totals, "by_task": summary.by_task[:4]}


def register() -> None:
    register_panel(
        key="gateway.usage",
        roles=set(PERMISSIONS[Action.MANAGE_MODELS]),
        template="gateway/panels/usage.html",
        context=usage_panel,
        order=85,
    )
