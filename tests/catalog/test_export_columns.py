"""The Shopify export's registry of extra columns (apps.catalog.registry): apps built on the
catalog fill columns of the export without the catalog importing them."""

import csv
import io

from apps.catalog import exporting, registry, selectors
from apps.photos.exporting import shopify_image_columns
from tests.factories import ProductFactory


def export(workspace) -> list[dict[str, str]]:
    products = selectors.products_for_export(workspace=workspace)
    lines = exporting.shopify_csv(products, exporting.shopify_headers([]))
    return list(csv.DictReader(io.StringIO("".join(lines))))


def test_the_photo_studio_registers_its_image_columns():
    assert shopify_image_columns in registry.shopify_column_sources()  # PhotosConfig.ready()


def test_registered_sources_fill_their_columns_of_every_product(workspace, monkeypatch):
    aster = ProductFactory(workspace=workspace, handle="aster", title="Aster Shirt")
    birch = ProductFactory(workspace=workspace, handle="birch", title="Birch Mug")
    prepared = []

    def images(products):
        prepared.append([p.pk for p in products])  # once per export, with all the products

        def fill(product, rows, headers):
            if product.handle != "aster":
                return rows
            extra = {"Handle": product.handle, "Image Src": "https://img.test/aster-2.jpg"}
            return [{**rows[0], "Image Src": "https://img.test/aster-1.jpg"}, extra]

        return fill

    monkeypatch.setattr(registry, "_SHOPIFY_COLUMN_SOURCES", {"test.images": images})
    rows = export(workspace)
    assert prepared == [[aster.pk, birch.pk]]
    assert [(r["Handle"], r["Title"], r["Image Src"]) for r in rows] == [
        ("aster", "Aster Shirt", "https://img.test/aster-1.jpg"),
        ("aster", "", "https://img.test/aster-2.jpg"),
        ("birch", "Birch Mug", ""),
    ]

    monkeypatch.setattr(registry, "_SHOPIFY_COLUMN_SOURCES", {})
    assert [(r["Handle"], r["Image Src"]) for r in export(workspace)] == [
        ("aster", ""),
        ("birch", ""),
    ]
