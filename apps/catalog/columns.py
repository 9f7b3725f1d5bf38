"""Which column of a product CSV holds which product field: Shopify's columns (old and new
names) and the mapping of any other CSV.

Reading the file itself (encoding, delimiter, header names) is :mod:`apps.core.csvfiles`; this
module knows products.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from apps.core.csvfiles import CsvFileError, find_column, guess_columns, normalise_header

# --- Shopify's columns -------------------------------------------------------------------------

# Shopify renamed columns in its current export; both names are accepted (compared normalised).
SHOPIFY_ALIASES: dict[str, tuple[str, ...]] = {
    "handle": ("handle", "url handle"),
    "title": ("title",),
    "body_html": ("body (html)", "description"),
    "vendor": ("vendor",),
    "category": ("product category", "standard product type"),
    "product_type": ("type", "custom product type"),
    "tags": ("tags",),
    "published": ("published", "published on online store"),
    "option1_name": ("option1 name",),
    "option1_value": ("option1 value",),
    "option2_name": ("option2 name",),
    "option2_value": ("option2 value",),
    "option3_name": ("option3 name",),
    "option3_value": ("option3 value",),
    "sku": ("variant sku", "sku"),
    "grams": ("variant grams", "weight value (grams)"),
    "inventory_quantity": ("variant inventory qty", "inventory quantity"),
    "price": ("variant price", "price"),
    "compare_at_price": ("variant compare at price", "compare-at price"),
    "barcode": ("variant barcode", "barcode"),
    "image_src": ("image src", "product image url"),
    "image_position": ("image position",),
    "image_alt": ("image alt text",),
    "seo_title": ("seo title",),
    "seo_description": ("seo description",),
    "status": ("status",),
}
# Operational columns that stay in the stored rows (for the export) but are not product facts.
SHOPIFY_OPERATIONAL = {
    "variant inventory tracker",
    "inventory tracker",
    "variant inventory policy",
    "continue selling when out of stock",
    "variant fulfillment service",
    "fulfillment service",
    "variant requires shipping",
    "requires shipping",
    "variant taxable",
    "charge tax",
    "gift card",
    "variant image",
    "variant image url",
    "variant weight unit",
    "weight unit for display",
    "variant tax code",
    "tax code",
    "cost per item",
}
METAFIELD_RE = re.compile(r"^(?P<label>.*?)\s*\((?:product|variant)\.metafields\.[^)]+\)\s*$", re.I)
MARKET_COLUMN_RE = re.compile(r"^(included|price|compare[- ]at price) / .+$", re.I)


def shopify_column(headers: Sequence[str], field: str) -> str | None:
    """The header, as the file spells it, of the Shopify column for ``field`` (either of its
    names), or None when the file has none."""
    return find_column(headers, SHOPIFY_ALIASES.get(field, ()))


def shopify_column_map(headers: list[str]) -> dict[str, int]:
    """field -> column index, from the file's own header names."""
    index = {}
    normalised = [normalise_header(h) for h in headers]
    for name, aliases in SHOPIFY_ALIASES.items():
        for alias in aliases:
            if alias in normalised:
                index[name] = normalised.index(alias)
                break
    if "compare_at_price" not in index:
        for i, header in enumerate(normalised):
            if header.startswith("compare-at price / "):
                index["compare_at_price"] = i
                break
    return index


def shopify_attribute_columns(headers: list[str], used: Iterable[int]) -> dict[int, str]:
    """Column index -> attribute name, for metafields and unknown columns."""
    used = set(used)
    attributes = {}
    for i, header in enumerate(headers):
        if i in used or not header.strip():
            continue
        normalised = normalise_header(header)
        if normalised in SHOPIFY_OPERATIONAL or MARKET_COLUMN_RE.match(header.strip()):
            continue
        match = METAFIELD_RE.match(header.strip())
        name = match.group("label").strip() if match else header.strip()
        if name.lower().startswith("google shopping / "):
            name = name.split("/", 1)[1].strip()
        attributes[i] = name or header.strip()
    return attributes


# --- any other CSV: the person maps its columns ---------------------------------------------------

GENERIC_FIELDS: list[tuple[str, str]] = [
    ("title", "Title"),
    ("handle", "Handle (unique id)"),
    ("body_html", "Description"),
    ("vendor", "Vendor / brand"),
    ("product_type", "Product type"),
    ("category", "Category"),
    ("tags", "Tags (comma-separated)"),
    ("sku", "SKU"),
    ("barcode", "Barcode / GTIN"),
    ("price", "Price"),
    ("compare_at_price", "Compare-at price"),
    ("grams", "Weight (grams)"),
    ("image_src", "Image URL"),
    ("image_alt", "Image alt text"),
    ("seo_title", "SEO title"),
    ("seo_description", "SEO description"),
    ("status", "Status"),
]
GENERIC_GUESSES = {
    "title": ("title", "name", "product name", "product title", "product"),
    "handle": ("handle", "url handle", "id", "product id", "slug"),
    "body_html": ("description", "body", "body (html)", "product description", "copy"),
    "vendor": ("vendor", "brand", "manufacturer"),
    "product_type": ("type", "product type"),
    "category": ("category", "product category"),
    "tags": ("tags", "keywords"),
    "sku": ("sku", "variant sku", "article number"),
    "barcode": ("barcode", "gtin", "ean", "upc"),
    "price": ("price", "variant price"),
    "compare_at_price": ("compare at price", "compare-at price", "rrp", "msrp"),
    "grams": ("grams", "weight", "weight (grams)"),
    "image_src": ("image", "image url", "image src", "picture"),
    "image_alt": ("image alt", "image alt text", "alt text"),
    "seo_title": ("seo title", "meta title"),
    "seo_description": ("seo description", "meta description"),
    "status": ("status",),
}


def guess_mapping(headers: list[str], remembered: dict[str, str] | None = None) -> dict[str, str]:
    """field -> header: the workspace's last mapping where its columns exist, else a guess."""
    return guess_columns(headers, GENERIC_GUESSES, remembered)


def mapping_to_index(headers: list[str], mapping: dict[str, str]) -> dict[str, int]:
    known = dict(GENERIC_FIELDS)
    index = {}
    for field_name, header in mapping.items():
        if field_name not in known or not header:
            continue
        if header not in headers:
            raise CsvFileError(
                f"The file has no column “{header}” (mapped to {known[field_name]})."
            )
        index[field_name] = headers.index(header)
    if "title" not in index:
        raise CsvFileError("Choose the column that holds the product title.")
    return index
