from django.urls import path

from apps.catalog import views

# Mounted under /w/<slug>/ by config/urls.py.
workspace_patterns = [
    path("catalog/", views.product_list, name="catalog_product_list"),
    path(
        "catalog/products/<int:product_id>/",
        views.product_detail,
        name="catalog_product_detail",
    ),
    path(
        "catalog/products/<int:product_id>/facts/",
        views.product_facts,
        name="catalog_product_facts",
    ),
    path(
        "catalog/description-preview/",
        views.description_preview,
        name="catalog_description_preview",
    ),
    path("catalog/import/", views.import_upload, name="catalog_import"),
    path("catalog/imports/<int:batch_id>/", views.import_detail, name="catalog_import_detail"),
    path(
        "catalog/imports/<int:batch_id>/errors.csv",
        views.import_errors_csv,
        name="catalog_import_errors_csv",
    ),
    path("catalog/export/", views.export_csv, name="catalog_export"),
    path("catalog/exports/", views.export_page, name="catalog_exports"),
    path("catalog/exports/download/", views.export_download, name="catalog_export_download"),
]
