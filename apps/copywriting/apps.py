from django.apps import AppConfig


class CopywritingConfig(AppConfig):
    name = "apps.copywriting"
    label = "copywriting"
    verbose_name = "Copy studio"

    def ready(self) -> None:
        from apps.copywriting import dashboard

        dashboard.register()
