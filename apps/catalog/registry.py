"""What other apps contribute to the catalog, registered from their ``AppConfig.ready()``.

The catalog never imports the studios built on it; they hand it what it needs:

* Shopify export columns: the photo studio lists the approved photos in the image columns. A
  source is called once per export with all the products (so it can read what it needs in one
  query) and returns the function that rewrites one product's rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from apps.catalog.models import Product

# (product, its CSV rows as {header: cell}, the export's headers) -> the rows to write
ShopifyRowsFiller = Callable[["Product", list[dict[str, str]], list[str]], list[dict[str, str]]]
# (the exported products) -> the filler for each of them
ShopifyColumnSource = Callable[[Sequence["Product"]], ShopifyRowsFiller]

_SHOPIFY_COLUMN_SOURCES: dict[str, ShopifyColumnSource] = {}


def register_shopify_columns(name: str, source: ShopifyColumnSource) -> None:
    """Let ``source`` fill columns of the Shopify export (registering a name again replaces
    its source)."""
    _SHOPIFY_COLUMN_SOURCES[name] = source


def unregister_shopify_columns(name: str) -> None:
    _SHOPIFY_COLUMN_SOURCES.pop(name, None)


def shopify_column_sources() -> list[ShopifyColumnSource]:
    return list(_SHOPIFY_COLUMN_SOURCES.values())
