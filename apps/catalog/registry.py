"""What other apps contribute to the catalog, registered from their ``AppConfig.ready()``.

The catalog never imports the studios built on it; they hand it what it needs:

* Shopify export columns: the photo studio lists the approved photos in the image columns. A
  source is called once per export with all the products (so it can read what it needs in one
  query) and returns the function that rewrites one product's rows.
* Export formats: the copy studio's channel files (Amazon, Google Ads, Meta, social, e-mail),
  offered on the catalog's export page beside the Shopify and generic CSV.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django import forms

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


# --- export formats ------------------------------------------------------------------------------
#
# The export page (``catalog_exports``) offers the catalog's own Shopify and generic CSV, and the
# formats other apps register here: the copy studio's channel exports (Amazon, Google Ads, Meta,
# social captions, e-mail). The catalog calls them with the products the person filtered; it
# never imports the app that wrote them.


@dataclass(frozen=True)
class ExportSkip:
    """A product left out of an export, and why (shown on the export page)."""

    product_id: int
    title: str
    reason: str


@dataclass(frozen=True)
class ExportFile:
    """What an export writes: the header, the rows (one list of cells per row, in the header's
    order), the products left out and notes on rows written with a gap."""

    headers: list[str]
    rows: list[list[str]]
    skipped: list[ExportSkip] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    delimiter: str = ","
    # Tab-delimited flat files (Amazon's) are read without quoting: the format's builder keeps
    # tabs and line breaks out of the cells, and quotes are written as they are.
    quoting: int = csv.QUOTE_MINIMAL
    exported: int = 0  # products with at least one row

    def lines(self) -> Iterator[str]:
        """The file, line by line (CRLF, as the tools' own exports end their lines)."""
        buffer = io.StringIO()
        options: dict = {"delimiter": self.delimiter, "lineterminator": "\r\n"}
        if self.quoting == csv.QUOTE_NONE:
            options.update(quoting=csv.QUOTE_NONE, quotechar=None)
        writer = csv.writer(buffer, **options)
        for row in (self.headers, *self.rows):
            writer.writerow(row)
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()


@dataclass(frozen=True)
class ExportFormat:
    """One kind of file the export page offers.

    ``options_form`` is a form class for what the format needs besides the products (a
    campaign name, the store's address); ``build(workspace=, products=, options=)`` makes the
    file from the products (variants, images and approved copy prefetched) and the form's
    cleaned data."""

    code: str
    label: str
    summary: str
    build: Callable[..., ExportFile]
    extension: str = "csv"
    content_type: str = "text/csv; charset=utf-8"
    options_form: type[forms.Form] | None = None
    order: int = 100


_EXPORT_FORMATS: dict[str, ExportFormat] = {}


def register_export_format(export_format: ExportFormat) -> None:
    """Offer ``export_format`` on the export page (registering a code again replaces it)."""
    _EXPORT_FORMATS[export_format.code] = export_format


def unregister_export_format(code: str) -> None:
    _EXPORT_FORMATS.pop(code, None)


def export_formats() -> list[ExportFormat]:
    return sorted(_EXPORT_FORMATS.values(), key=lambda f: (f.order, f.label))


def export_format_get(code: str) -> ExportFormat | None:
    return _EXPORT_FORMATS.get(code)
