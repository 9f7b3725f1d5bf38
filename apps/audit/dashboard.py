"""The recent-activity panel on the admin dashboard (registered in AuditConfig.ready)."""

from apps.audit.selectors import audit_event_recent
from apps.workspaces.access import WorkspaceRequest
from apps.workspaces.dashboards import register_panel
from apps.workspaces.roles import PERMISSIONS, Action


def recent_activity_panel(request: WorkspaceRequest) -> dict:
    return {"events": audit_event_recent(workspace=request.workspace)}


def register() -> None:
    register_panel(
        key="audit.recent",
        roles=set(PERMISSIONS[Action.VIEW_AUDIT]),
        template="audit/panels/recent.html",
        context=recent_activity_panel,
        order=80,
    )
