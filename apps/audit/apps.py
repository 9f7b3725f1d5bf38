from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "apps.audit"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from apps.audit import dashboard
        from apps.audit.services import audit_event_write
        from apps.core import trail

        trail.install_recorder(audit_event_write)
        dashboard.register()
