from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "apps.api"
    label = "api"
    verbose_name = "Public API"

    def ready(self) -> None:
        from apps.api.audit_actions import AuditAction
        from apps.core import trail

        trail.register_actions(AuditAction.choices)
