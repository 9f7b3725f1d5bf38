from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "apps.catalog"
    label = "catalog"

    def ready(self) -> None:
        from apps.brand.registry import register_workspace_copy_source
        from apps.catalog.selectors import workspace_copy

        # A brand profile may learn from the catalog's copy; the brand layer never imports it.
        register_workspace_copy_source("catalog.copy", workspace_copy)
