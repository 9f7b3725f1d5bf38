from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "apps.catalog"
    label = "catalog"

    def ready(self) -> None:
        from apps.brand.registry import register_workspace_copy_source
        from apps.catalog.events import CatalogEvent, tell_when_an_import_finishes
        from apps.catalog.selectors import catalog_has_products, workspace_copy
        from apps.core import events
        from apps.workspaces.dashboards import register_first_step
        from apps.workspaces.roles import Action

        # A brand profile may learn from the catalog's copy; the brand layer never imports it.
        register_workspace_copy_source("catalog.copy", workspace_copy)
        events.register_events(CatalogEvent.choices)
        events.subscribe("catalog.product_imported", tell_when_an_import_finishes)
        register_first_step(
            key="catalog.import",
            label="Import a catalog",
            hint="A Shopify product export or any CSV of your products.",
            done=catalog_has_products,
            url_name="catalog_import",
            action=Action.IMPORT_CATALOG,
            order=10,
        )
