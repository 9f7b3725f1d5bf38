"""CSV exports: back to Shopify (same columns, approved copy in place, and what other apps
registered: the photo studio's approved photos) and a generic CSV.

Both are generators of CSV lines so a view can stream them without holding the catalog in
memory.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from apps.catalog import registry
from apps.catalog.columns import shopify_column
from apps.catalog.models import Product, ProductVariant

# Copy types (as the copy studio names them) that the exports write back.
DESCRIPTION = "product_description"
SEO_TITLE = "seo_title"
SEO_DESCRIPTION = "seo_description"
COPY_FIELDS = {"body_html": DESCRIPTION, "seo_title": SEO_TITLE, "seo_description": SEO_DESCRIPTION}

# Columns of a Shopify product CSV, for products that did not come from one.
SHOPIFY_STANDARD_HEADERS = [
    "Handle",
    "Title",
    "Body (HTML)",
    "Vendor",
    "Product Category",
    "Type",
    "Tags",
    "Published",
    "Option1 Name",
    "Option1 Value",
    "Option2 Name",
    "Option2 Value",
    "Option3 Name",
    "Option3 Value",
    "Variant SKU",
    "Variant Grams",
    "Variant Price",
    "Variant Compare At Price",
    "Variant Barcode",
    "Image Src",
    "Image Position",
    "Image Alt Text",
    "SEO Title",
    "SEO Description",
    "Status",
]
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> str:
    """Keep a spreadsheet from running a cell as a formula (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def _csv_line(values: Iterable[object]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(values)
    return buffer.getvalue()


def shopify_headers(batch_headers: Iterable[list[str]]) -> list[str]:
    """The union of the imported files' headers, in the order they first appeared."""
    headers: list[str] = []
    for file_headers in batch_headers:
        for header in file_headers:
            if header not in headers:
                headers.append(header)
    return headers or list(SHOPIFY_STANDARD_HEADERS)


def _rows_from_fields(product: Product) -> list[dict[str, str]]:
    variants: list[ProductVariant | None] = [*product.variants.all()] or [None]
    images = list(product.images.all())
    rows = []
    for i in range(max(len(variants), len(images))):
        row = {"Handle": product.handle}
        if i == 0:
            row.update(
                {
                    "Title": product.title,
                    "Body (HTML)": product.body_html,
                    "Vendor": product.vendor,
                    "Product Category": product.category,
                    "Type": product.product_type,
                    "Tags": ", ".join(product.tags),
                    "Published": "true" if product.published else "false",
                    "SEO Title": product.seo_title,
                    "SEO Description": product.seo_description,
                    "Status": product.status,
                }
            )
            for n, name in enumerate(product.option_names[:3], start=1):
                row[f"Option{n} Name"] = name
        variant = variants[i] if i < len(variants) else None
        if variant is not None:
            for n, value in enumerate(variant.option_values[:3], start=1):
                row[f"Option{n} Value"] = value
            if not variant.option_values and i == 0:
                row["Option1 Name"], row["Option1 Value"] = "Title", "Default Title"
            row.update(
                {
                    "Variant SKU": variant.sku,
                    "Variant Grams": "" if variant.grams is None else str(variant.grams),
                    "Variant Price": "" if variant.price is None else str(variant.price),
                    "Variant Compare At Price": ""
                    if variant.compare_at_price is None
                    else str(variant.compare_at_price),
                    "Variant Barcode": variant.barcode,
                }
            )
        if i < len(images):
            row.update(
                {
                    "Image Src": images[i].url,
                    "Image Position": str(images[i].position),
                    "Image Alt Text": images[i].alt_text,
                }
            )
        rows.append(row)
    return rows


def _approved(product: Product) -> dict[str, str]:
    """The product's approved copy by type (prefetched by the export selector)."""
    return {copy.copy_type: copy.content for copy in product.approved_copy.all()}


def shopify_csv(products: Iterable[Product], headers: list[str]) -> Iterator[str]:
    """Rows as imported, with Body (HTML), SEO Title and SEO Description replaced by the
    approved copy where there is some; every other cell as it was."""
    yield _csv_line(headers)
    products = list(products)
    # Columns other apps fill (the photo studio: approved photos in the image columns).
    fillers = [source(products) for source in registry.shopify_column_sources()]
    for product in products:
        rows = [dict(row) for row in product.source_rows] or _rows_from_fields(product)
        copy = _approved(product)
        first = next(
            (row for row in rows if row.get(shopify_column(list(row), "title") or "")), rows[0]
        )
        for field, copy_type in COPY_FIELDS.items():
            if copy.get(copy_type):
                column = shopify_column(list(first), field) or shopify_column(headers, field)
                if column:
                    first[column] = copy[copy_type]
        for fill in fillers:
            rows = fill(product, rows, headers)
        for row in rows:
            yield _csv_line(row.get(header, "") for header in headers)


GENERIC_HEADERS = [
    "handle",
    "title",
    "vendor",
    "product_type",
    "category",
    "tags",
    "status",
    "skus",
    "price_min",
    "price_max",
    "live_description_html",
    "live_seo_title",
    "live_seo_description",
    "approved_description_html",
    "approved_seo_title",
    "approved_seo_description",
    "copy_status",
    "photo_status",
]


def generic_csv(products: Iterable[Product]) -> Iterator[str]:
    yield _csv_line(GENERIC_HEADERS)
    for product in products:
        copy = _approved(product)
        values = [
            product.handle,
            product.title,
            product.vendor,
            product.product_type,
            product.category,
            ", ".join(product.tags),
            product.status,
            " ".join(v.sku for v in product.variants.all() if v.sku),
            product.price_min,
            product.price_max,
            product.body_html,
            product.seo_title,
            product.seo_description,
            copy.get(DESCRIPTION, ""),
            copy.get(SEO_TITLE, ""),
            copy.get(SEO_DESCRIPTION, ""),
            product.copy_status,
            product.photo_status,
        ]
        yield _csv_line(neutralise(value) for value in values)
