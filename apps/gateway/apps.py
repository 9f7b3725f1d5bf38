from django.apps import AppConfig


class GatewayConfig(AppConfig):
    name = "apps.gateway"
    label = "gateway"

    def ready(self) -> None:
        from apps.core import trail
        from apps.gateway import dashboard
        from apps.gateway.audit_actions import AuditAction

        trail.register_actions(AuditAction.choices)
        dashboard.register()
