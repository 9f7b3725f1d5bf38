from django.apps import AppConfig


class WorkspacesConfig(AppConfig):
    name = "apps.workspaces"
    label = "workspaces"
    verbose_name = "Workspaces"

    def ready(self) -> None:
        from apps.core import trail
        from apps.workspaces.audit_actions import AuditAction

        trail.register_actions(AuditAction.choices)
