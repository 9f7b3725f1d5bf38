from django.apps import AppConfig


class WorkspacesConfig(AppConfig):
    name = "apps.workspaces"
    label = "workspaces"
    verbose_name = "Workspaces"

    def ready(self) -> None:
        from apps.core import events, trail
        from apps.workspaces.audit_actions import AuditAction
        from apps.workspaces.events import WorkspaceEvent

        trail.register_actions(AuditAction.choices)
        events.register_events(WorkspaceEvent.choices)
