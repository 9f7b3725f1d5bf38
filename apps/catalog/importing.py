"""Reading product CSVs: encoding and delimiter detection, Shopify's columns old and new, the
generic mapping, and the split of a file into chunks of whole products.

Pure functions over text and rows: no database here. The services in ``services.py`` store what
these return.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO

from django.utils.text import slugify

SNIFF_BYTES = 64 * 1024
MAX_ERRORS_PER_CHUNK = 1000

csv.field_size_limit(16 * 1024 * 1024)  # a product description can be long


class ImportFileError(ValueError):
    """The file as a whole cannot be imported; the message says why, for the person."""


# --- encoding, binary files, delimiters ----------------------------------------------------------

_BINARY_SIGNATURES = {
    b"PK\x03\x04": "a ZIP archive or an Excel workbook (.xlsx): save it as CSV first",
    b"\xd0\xcf\x11\xe0": "an old Excel workbook (.xls): save it as CSV first",
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"\x1f\x8b": "a gzip archive",
}


def detect_encoding(sample: bytes, *, name: str) -> str:
    """UTF-8 (with or without BOM), UTF-16 (with or without BOM) or Windows-1252."""
    for signature, what in _BINARY_SIGNATURES.items():
        if sample.startswith(signature):
            raise ImportFileError(f"“{name}” is not a CSV file: it looks like {what}.")
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    nul = sample.count(b"\x00")
    if nul > len(sample) // 4:
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        if odd > 4 * max(even, 1):
            return "utf-16-le"
        if even > 4 * max(odd, 1):
            return "utf-16-be"
    if nul:
        raise ImportFileError(f"“{name}” is a binary file, not a CSV text file.")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        sample.decode("cp1252")
    except UnicodeDecodeError:
        raise ImportFileError(
            f"“{name}” is not readable as text (UTF-8, UTF-16 or Windows-1252)."
        ) from None
    return "cp1252"


def check_text(text: str, *, name: str) -> None:
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\r\n\t")
    if "\x00" in text or controls > max(8, len(text) // 100):
        raise ImportFileError(f"“{name}” is a binary file, not a CSV text file.")


def sniff_delimiter(text: str) -> str:
    first_lines = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(first_lines, delimiters=",;\t").delimiter
    except csv.Error:
        header = text.splitlines()[0] if text else ""
        counts = {d: header.count(d) for d in ",;\t"}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


# --- Shopify's columns -------------------------------------------------------------------------


def _norm(header: str) -> str:
    return re.sub(r"\s+", " ", header.strip().lstrip("\ufeff")).lower()


# Shopify renamed columns in its current export; both names are accepted (compared lower-case).
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
# Columns written back with approved copy.
EXPORT_COPY_COLUMNS = {
    "body_html": "Body (HTML)",
    "seo_title": "SEO Title",
    "seo_description": "SEO Description",
}


def shopify_column_map(headers: list[str]) -> dict[str, int]:
    """field -> column index, from the file's own header names."""
    index = {}
    normalised = [_norm(h) for h in headers]
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
        normalised = _norm(header)
        if normalised in SHOPIFY_OPERATIONAL or MARKET_COLUMN_RE.match(header.strip()):
            continue
        match = METAFIELD_RE.match(header.strip())
        name = match.group("label").strip() if match else header.strip()
        if name.lower().startswith("google shopping / "):
            name = name.split("/", 1)[1].strip()
        attributes[i] = name or header.strip()
    return attributes


# --- generic CSV ---------------------------------------------------------------------------------

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
    present = {_norm(h): h for h in headers}
    mapping = {}
    for field_name, header in (remembered or {}).items():
        if header and _norm(header) in present:
            mapping[field_name] = present[_norm(header)]
    for field_name, guesses in GENERIC_GUESSES.items():
        if field_name in mapping:
            continue
        for guess in guesses:
            if guess in present and present[guess] not in mapping.values():
                mapping[field_name] = present[guess]
                break
    return mapping


def mapping_to_index(headers: list[str], mapping: dict[str, str]) -> dict[str, int]:
    known = dict(GENERIC_FIELDS)
    index = {}
    for field_name, header in mapping.items():
        if field_name not in known or not header:
            continue
        if header not in headers:
            raise ImportFileError(
                f"The file has no column “{header}” (mapped to {known[field_name]})."
            )
        index[field_name] = headers.index(header)
    if "title" not in index:
        raise ImportFileError("Choose the column that holds the product title.")
    return index


# --- parsing rows into products ---------------------------------------------------------------


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


# --- streaming the file (apps/catalog/chunking.py) ---------------------------------------------


def transcode_and_scan(source: IO[bytes], target: IO[bytes], *, name: str, fmt: str):
    """See :func:`apps.catalog.chunking.transcode_and_scan` (kept here for other apps)."""
    from apps.catalog.chunking import transcode_and_scan as scan

    return scan(source, target, name=name, fmt=fmt)
