"""Parsing a product CSV's rows into products: prices, weights and tags as stores write them,
the rows of one product (its variants and images) assembled into one, and an error for each
cell that cannot be used, naming its row and column.

Pure functions over rows: no database here. Reading the file is :mod:`apps.core.csvfiles` and
:mod:`apps.catalog.chunking`; which column holds what is :mod:`apps.catalog.columns`; the
services in ``services.py`` store what these return.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.text import slugify

from apps.catalog.columns import mapping_to_index, shopify_attribute_columns, shopify_column_map

MAX_ERRORS_PER_CHUNK = 1000


@dataclass
class RowError:
    row_number: int
    column: str
    message: str


@dataclass
class ParsedVariant:
    position: int
    option_values: list[str]
    sku: str = ""
    barcode: str = ""
    price: Decimal | None = None
    compare_at_price: Decimal | None = None
    grams: int | None = None
    inventory_quantity: int | None = None


@dataclass
class ParsedImage:
    position: int
    src: str
    alt_text: str = ""


@dataclass
class ParsedProduct:
    handle: str
    first_row: int
    title: str = ""
    body_html: str = ""
    vendor: str = ""
    product_type: str = ""
    category: str = ""
    tags: list[str] = field(default_factory=list)
    attributes: dict[str, str] = field(default_factory=dict)
    option_names: list[str] = field(default_factory=list)
    seo_title: str = ""
    seo_description: str = ""
    status: str = "active"
    published: bool = True
    variants: list[ParsedVariant] = field(default_factory=list)
    images: list[ParsedImage] = field(default_factory=list)
    source_rows: list[dict[str, str]] = field(default_factory=list)


_CURRENCY = re.compile(r"^[A-Z]{3}\s*|\s*[A-Z]{3}$|[$€£¥\s\u00a0]")
_AMOUNT = re.compile(r"^-?[\d.,']+$")


def parse_money(value: str) -> Decimal:
    """A price as stores write it: 19.90, 19,90, $1,299.00, 1 299,00 €, EUR 12."""
    cleaned = _CURRENCY.sub("", value.strip()).replace("'", "")
    if not _AMOUNT.match(cleaned):
        raise InvalidOperation
    if cleaned.count(",") == 1 and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")  # 12,99 as written in much of Europe
    elif "," in cleaned and "." in cleaned:
        cleaned = cleaned.replace(",", "")  # 1,299.00
    amount = Decimal(cleaned)
    if amount < 0 or amount >= Decimal("1e10"):
        raise InvalidOperation
    return amount.quantize(Decimal("0.01"))


def parse_whole(value: str) -> int:
    number = Decimal(value.replace(",", ".").strip())
    if not number.is_finite() or abs(number) > 10**9:
        raise InvalidOperation
    return round(number)


def split_tags(value: str) -> list[str]:
    seen, tags = set(), []
    for tag in (t.strip() for t in value.split(",")):
        if tag and tag.lower() not in seen:
            seen.add(tag.lower())
            tags.append(tag)
    return tags


def _truthy(value: str) -> bool:
    return value.strip().lower() in {"true", "yes", "1", "y", "published", "active"}


def _status(value: str) -> str:
    value = value.strip().lower()
    return value if value in {"active", "draft", "archived"} else "active"


class ProductAssembler:
    """Turns CSV rows (with their record numbers) into products, collecting per-row errors."""

    def __init__(self, headers: list[str], fmt: str, mapping: dict[str, str] | None = None):
        self.headers = headers
        self.format = fmt
        if fmt == "shopify":
            self.index = shopify_column_map(headers)
            self.attribute_columns = shopify_attribute_columns(headers, self.index.values())
        else:
            self.index = mapping_to_index(headers, mapping or {})
            used = set(self.index.values())
            self.attribute_columns = {
                i: h.strip() for i, h in enumerate(headers) if i not in used and h.strip()
            }
        self.errors: list[RowError] = []

    @property
    def fields_in_file(self) -> frozenset[str]:
        """The product and variant fields this file has a column for (absent ones are left as
        they are on products already in the catalog)."""
        return frozenset(self.index)

    @property
    def attribute_names(self) -> frozenset[str]:
        return frozenset(name[:100] for name in self.attribute_columns.values())

    def cell(self, row: list[str], name: str) -> str:
        i = self.index.get(name)
        return row[i].strip() if i is not None and i < len(row) else ""

    def column_name(self, name: str) -> str:
        i = self.index.get(name)
        return self.headers[i] if i is not None else name

    def error(self, row_number: int, name: str, message: str) -> None:
        if len(self.errors) < MAX_ERRORS_PER_CHUNK:
            self.errors.append(RowError(row_number, self.column_name(name), message))

    def product_key(self, row: list[str]) -> str:
        """Rows of one product share this key: Shopify's handle; in a generic CSV each row is
        one product, keyed by its handle column when mapped, else by its title."""
        handle = self.cell(row, "handle")
        if handle:
            return handle.lower()
        return slugify(self.cell(row, "title"))[:255]

    def _money(self, row, row_number, name) -> Decimal | None:
        value = self.cell(row, name)
        if not value:
            return None
        try:
            return parse_money(value)
        except (InvalidOperation, ValueError):
            self.error(row_number, name, f"“{value}” is not a price; left empty.")
            return None

    def _whole(self, row, row_number, name) -> int | None:
        value = self.cell(row, name)
        if not value:
            return None
        try:
            number = parse_whole(value)
        except (InvalidOperation, ValueError):
            self.error(row_number, name, f"“{value}” is not a whole number; left empty.")
            return None
        if name == "grams" and number < 0:
            self.error(row_number, name, f"A weight cannot be negative ({value}); left empty.")
            return None
        return number

    def assemble(self, rows: list[tuple[int, list[str]]]) -> ParsedProduct | None:
        """One product from its rows; None (with errors recorded) when it cannot be imported."""
        first_number, first = rows[0]
        title = next((self.cell(r, "title") for _, r in rows if self.cell(r, "title")), "")
        handle = self.cell(first, "handle") or slugify(title)[:255]
        if not title and not self.cell(first, "handle"):
            self.error(first_number, "title", f"Product “{handle or '?'}” has no title; skipped.")
            return None
        # A row with a handle and no title may update a product already in the catalog (the
        # import decides: a new product without a title is refused there).
        if not handle:
            self.error(
                first_number, "handle", "No handle, and none can be made from the title; skipped."
            )
            return None
        product = ParsedProduct(handle=handle[:255], first_row=first_number, title=title[:500])
        head = next((r for _, r in rows if self.cell(r, "title")), first)
        product.body_html = self.cell(head, "body_html")
        product.vendor = self.cell(head, "vendor")[:255]
        product.product_type = self.cell(head, "product_type")[:255]
        product.category = self.cell(head, "category")[:500]
        product.tags = split_tags(self.cell(head, "tags"))
        product.seo_title = self.cell(head, "seo_title")[:500]
        product.seo_description = self.cell(head, "seo_description")
        if self.cell(head, "status"):
            product.status = _status(self.cell(head, "status"))
        if self.cell(head, "published"):
            product.published = _truthy(self.cell(head, "published"))
        product.option_names = [
            self.cell(head, f"option{n}_name")
            for n in (1, 2, 3)
            if self.cell(head, f"option{n}_name")
        ]
        for i, name in self.attribute_columns.items():
            value = head[i].strip() if i < len(head) else ""
            if value:
                product.attributes[name[:100]] = value[:1000]

        for row_number, row in rows:
            if self.format == "shopify":
                product.source_rows.append(
                    {h: (row[i] if i < len(row) else "") for i, h in enumerate(self.headers)}
                )
            options = [self.cell(row, f"option{n}_value") for n in (1, 2, 3)]
            is_variant = any(options) or any(
                self.cell(row, name) for name in ("sku", "price", "barcode")
            )
            if is_variant:
                while options and not options[-1]:
                    options.pop()
                product.variants.append(
                    ParsedVariant(
                        position=len(product.variants) + 1,
                        option_values=options,
                        sku=self.cell(row, "sku")[:255],
                        barcode=self.cell(row, "barcode")[:255],
                        price=self._money(row, row_number, "price"),
                        compare_at_price=self._money(row, row_number, "compare_at_price"),
                        grams=self._whole(row, row_number, "grams"),
                        inventory_quantity=self._whole(row, row_number, "inventory_quantity"),
                    )
                )
            src = self.cell(row, "image_src")
            if src:
                if not re.match(r"^https?://", src, re.I):
                    self.error(
                        row_number, "image_src", f"“{src[:80]}” is not a web address; skipped."
                    )
                else:
                    position = self._whole(row, row_number, "image_position")
                    product.images.append(
                        ParsedImage(
                            position=position or len(product.images) + 1,
                            src=src[:2000],
                            alt_text=self.cell(row, "image_alt")[:500],
                        )
                    )
        product.images.sort(key=lambda image: image.position)
        return product
