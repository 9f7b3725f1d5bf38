from django.apps import AppConfig


class BrandConfig(AppConfig):
    name = "apps.brand"
    label = "brand"
    verbose_name = "Brand profiles"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.brand import dashboard
        from apps.brand.audit_actions import AuditAction
        from apps.core import trail

        trail.register_actions(AuditAction.choices)
        dashboard.register()
