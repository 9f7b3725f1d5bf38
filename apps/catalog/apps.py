from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "apps.catalog"
    label = "catalog"

    def ready(self) -> None:
        from apps.brand.registry import register_workspace_copy_source
        from apps.catalog.events import CatalogEvent, tell_when_an_import_finishes
        from apps.catalog.selectors import workspace_copy
        from apps.core import events

        # A brand profile may learn from the catalog's copy; the brand layer never imports it.
        register_workspace_copy_source("catalog.copy", workspace_copy)
        events.register_events(CatalogEvent.choices)
        events.subscribe("catalog.product_imported", tell_when_an_import_finishes)
