"""What importing a product changes, decided from the file's own columns (Shopify's semantics).

A column the file does not have leaves that field alone on a product already in the catalog:
a three-column file (Handle, Title, Variant Price) updates titles and prices and nothing else.
A column the file has sets the field, and an empty cell clears it (the file says so). Variants
are matched to the catalog's by their option values when the file has option-value columns
(then the file lists the product's variants, and the ones it does not list are removed), else
by SKU, else by their order; images are replaced only when the file has an image column.

Pure: :func:`plan_product` reads a product as stored and one parsed from the file and returns
the plan the import writes and the preview shows (``changes``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from apps.catalog.importing import ParsedImage, ParsedProduct, ParsedVariant

PRODUCT_FIELDS = {
    "title": "Title",
    "body_html": "Description",
    "vendor": "Vendor",
    "product_type": "Type",
    "category": "Category",
    "tags": "Tags",
    "seo_title": "SEO title",
    "seo_description": "SEO description",
    "status": "Status",
    "published": "Published",
}
VARIANT_FIELDS = {
    "sku": "SKU",
    "barcode": "barcode",
    "price": "price",
    "compare_at_price": "compare-at price",
    "grams": "weight",
    "inventory_quantity": "inventory",
}
OPTION_VALUES = ("option1_value", "option2_value", "option3_value")
OPTION_NAMES = ("option1_name", "option2_name", "option3_name")


@dataclass(frozen=True)
class FileColumns:
    """Which fields the file speaks for."""

    fields: frozenset[str]
    attributes: frozenset[str]
    headers: tuple[str, ...] = ()

    @property
    def lists_variants(self) -> bool:
        return any(name in self.fields for name in OPTION_VALUES)

    @property
    def has_images(self) -> bool:
        return "image_src" in self.fields

    def left_alone(self) -> list[str]:
        """Labels of what a product keeps from the catalog whatever the file says."""
        labels = [label for name, label in PRODUCT_FIELDS.items() if name not in self.fields]
        labels += [
            f"variant {label}" for name, label in VARIANT_FIELDS.items() if name not in self.fields
        ]
        if not self.has_images:
            labels.append("images")
        return labels


@dataclass
class VariantPlan:
    variant_id: int | None  # None: a new variant
    values: dict[str, Any]


@dataclass
class ProductPlan:
    is_new: bool
    values: dict[str, Any]  # product fields to write
    variants: list[VariantPlan] | None = None  # None: variants left as they are
    removed_variant_ids: list[int] = field(default_factory=list)
    images: list[ParsedImage] | None = None  # None: images left as they are
    changes: list[str] = field(default_factory=list)


def _short(value: Any, limit: int = 60) -> str:
    text = "" if value is None else str(value)
    text = " ".join(text.split())
    return f"“{text[: limit - 1]}…”" if len(text) > limit else f"“{text}”"


def _tags_text(tags: list[str]) -> str:
    return (", " + ", ".join(t.lower() for t in tags) + ", ") if tags else ""


def _variant_label(values: dict[str, Any]) -> str:
    options = [v for v in values.get("option_values") or [] if v]
    return " / ".join(options) or values.get("sku") or f"#{values.get('position')}"


def _variant_values(parsed: ParsedVariant, columns: FileColumns, base: dict | None) -> dict:
    values = dict(base or {"option_values": [], **{name: None for name in VARIANT_FIELDS}})
    for name in ("sku", "barcode"):
        values[name] = values.get(name) or ""
    values["position"] = parsed.position
    if columns.lists_variants or base is None:
        values["option_values"] = parsed.option_values
    for name in VARIANT_FIELDS:
        if name in columns.fields:
            values[name] = getattr(parsed, name)
    return values


def _match_variants(parsed: ParsedProduct, stored: list[Any], columns: FileColumns) -> list:
    """The stored variant each parsed variant updates (or None for a new one)."""
    free = list(stored)
    matches = []
    for variant in parsed.variants:
        found = None
        if columns.lists_variants:
            wanted = [v.lower() for v in variant.option_values]
            found = next(
                (s for s in free if [o.lower() for o in s.option_values or []] == wanted), None
            )
        elif "sku" in columns.fields and variant.sku:
            found = next((s for s in free if s.sku == variant.sku), None)
        if found is None and not columns.lists_variants and free:
            found = free[0]  # by order
        if found is not None:
            free.remove(found)
        matches.append(found)
    return matches


def _plan_variants(plan: ProductPlan, parsed: ParsedProduct, stored: list, columns) -> None:
    if not parsed.variants and not columns.lists_variants:
        return  # the file says nothing about this product's variants
    touched = False
    plan.variants = []
    matched = _match_variants(parsed, stored, columns)
    for variant, current in zip(parsed.variants, matched, strict=True):
        if current is None:
            values = _variant_values(variant, columns, None)
            plan.variants.append(VariantPlan(None, values))
            plan.changes.append(f"New variant {_variant_label(values)}")
            touched = True
            continue
        before = {name: getattr(current, name) for name in (*VARIANT_FIELDS, "option_values")}
        before["position"] = current.position
        values = _variant_values(variant, columns, before)
        if columns.lists_variants:
            values["position"] = variant.position
        else:
            values["position"] = current.position
        plan.variants.append(VariantPlan(current.pk, values))
        diffs = [
            f"{label} {_money(before[name])} → {_money(values[name])}"
            for name, label in VARIANT_FIELDS.items()
            if name in columns.fields and before[name] != values[name]
        ]
        if diffs:
            plan.changes.append(f"Variant {_variant_label(before)}: " + ", ".join(diffs))
            touched = True
    kept = {current.pk for current in matched if current is not None}
    for current in stored:
        if current.pk in kept:
            continue
        if columns.lists_variants:
            plan.removed_variant_ids.append(current.pk)
            plan.changes.append(f"Variant {_variant_label(current.__dict__)} removed")
            touched = True
        else:  # not named by the file: kept as it is
            values = {name: getattr(current, name) for name in (*VARIANT_FIELDS, "option_values")}
            plan.variants.append(VariantPlan(current.pk, {**values, "position": current.position}))
    if not touched:
        plan.variants, plan.removed_variant_ids = None, []


def _money(value: Any) -> str:
    if value is None or value == "":
        return "(empty)"
    return str(value) if not isinstance(value, Decimal) else f"{value:.2f}"


def _plan_fields(plan: ProductPlan, existing: Any, parsed: ParsedProduct, columns) -> None:
    for name, label in PRODUCT_FIELDS.items():
        if name not in columns.fields:
            continue
        new = getattr(parsed, name)
        if name == "title" and not new:
            continue  # a row without a title updates the rest; a title is never cleared
        old = getattr(existing, name)
        if old == new:
            continue
        plan.values[name] = new
        if name == "tags":
            plan.values["tags_text"] = _tags_text(new)
            plan.changes.append(
                f"Tags: {', '.join(old) or '(none)'} → {', '.join(new) or '(none)'}"
            )
        elif name == "body_html":
            plan.changes.append(
                "Description cleared"
                if not new
                else f"Description rewritten ({len(old or '')} → {len(new)} characters)"
            )
        else:
            plan.changes.append(f"{label}: {_short(old)} → {_short(new)}")
    names_in_file = any(name in columns.fields for name in OPTION_NAMES)
    if names_in_file and (existing.option_names or []) != parsed.option_names:
        plan.values["option_names"] = parsed.option_names
    attributes = dict(existing.attributes or {})
    for name in sorted(columns.attributes):
        new = parsed.attributes.get(name, "")
        old = attributes.get(name, "")
        if new == old:
            continue
        if new:
            attributes[name] = new
            plan.changes.append(f"{name}: {_short(old) if old else '(none)'} → {_short(new)}")
        else:
            attributes.pop(name, None)
            plan.changes.append(f"{name} removed")
    if attributes != (existing.attributes or {}):
        plan.values["attributes"] = attributes


def _plan_images(plan: ProductPlan, parsed: ParsedProduct, images: list, columns) -> None:
    if not columns.has_images:
        return
    current = [(i.src, i.alt_text) for i in images]
    wanted = [(i.src, i.alt_text) for i in parsed.images]
    if current != wanted:
        plan.images = parsed.images
        plan.changes.append(f"Images: {len(current)} → {len(wanted)} (as listed in the file)")


def _merged_source_rows(existing: Any, parsed: ParsedProduct, columns: FileColumns) -> list:
    old = list(existing.source_rows or [])
    if not old or (old and set(old[0]) <= set(columns.headers)):
        return parsed.source_rows  # the file has every column the stored rows have
    merged = [
        {**(old[i] if i < len(old) else {}), **row} for i, row in enumerate(parsed.source_rows)
    ]
    if not columns.lists_variants:
        merged += old[len(parsed.source_rows) :]
    return merged


def plan_product(
    existing: Any | None,
    parsed: ParsedProduct,
    columns: FileColumns,
    *,
    variants: list | None = None,
    images: list | None = None,
) -> ProductPlan:
    """What importing ``parsed`` does to ``existing`` (a stored product, with its variants and
    its URL images), or to a new product when ``existing`` is None."""
    if existing is None:
        plan = ProductPlan(is_new=True, values={})
        plan.variants = [
            VariantPlan(None, _variant_values(v, columns, None)) for v in parsed.variants
        ]
        plan.images = parsed.images
        plan.changes.append(
            f"New product with {len(parsed.variants)} variant"
            f"{'s' if len(parsed.variants) != 1 else ''} and {len(parsed.images)} image"
            f"{'s' if len(parsed.images) != 1 else ''}"
        )
        return plan
    plan = ProductPlan(is_new=False, values={})
    _plan_fields(plan, existing, parsed, columns)
    _plan_variants(plan, parsed, list(variants or []), columns)
    _plan_images(plan, parsed, list(images or []), columns)
    if parsed.source_rows:
        rows = _merged_source_rows(existing, parsed, columns)
        if rows != existing.source_rows:
            plan.values["source_rows"] = rows
    return plan
