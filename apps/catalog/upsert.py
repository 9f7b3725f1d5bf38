"""Writing one chunk's products: upsert by handle, safe when another import writes the same
products at the same moment. Called by :func:`apps.catalog.services.catalog_import_chunk`
inside its transaction.

Concurrency: every handle of the chunk is first inserted as a placeholder (``INSERT ... ON
CONFLICT DO NOTHING``), then all of them are locked (``SELECT ... FOR UPDATE``, in handle
order) and only then read, merged (:mod:`apps.catalog.merging`) and written. Two
imports touching one product therefore take turns instead of failing on the unique handle, and
the second merges onto what the first wrote. A placeholder has an empty title (a stored product
never has one): that is how a product this transaction created is told from one that existed.
"""

from __future__ import annotations

import dataclasses

from django.db import connection, models, transaction
from django.utils import timezone

from apps.catalog import importing
from apps.catalog.facts import extract_description_facts
from apps.catalog.merging import FileColumns, ProductPlan, plan_product
from apps.catalog.models import Product, ProductImage, ProductVariant
from apps.workspaces.models import Workspace

VARIANT_COLUMNS = [
    "position",
    "option_values",
    "sku",
    "barcode",
    "price",
    "compare_at_price",
    "grams",
    "inventory_quantity",
]


def _new_values(product: importing.ParsedProduct, fmt: str) -> dict:
    return {
        "title": product.title,
        "body_html": product.body_html,
        "vendor": product.vendor,
        "product_type": product.product_type,
        "category": product.category,
        "tags": product.tags,
        "tags_text": (", " + ", ".join(t.lower() for t in product.tags) + ", ")
        if product.tags
        else "",
        "attributes": product.attributes,
        "option_names": product.option_names,
        "seo_title": product.seo_title,
        "seo_description": product.seo_description,
        "status": product.status,
        "published": product.published,
        "source_rows": product.source_rows,
        "source_format": fmt,
    }


def stored_parts(
    workspace: Workspace | int, product_ids: list[int]
) -> tuple[dict[int, list[ProductVariant]], dict[int, list[ProductImage]]]:
    """The products' variants and linked (URL) images, in order, by product id: what an
    import may change (uploaded image files are never touched)."""
    variants: dict[int, list[ProductVariant]] = {}
    for variant in (
        ProductVariant.objects.for_workspace(workspace)
        .filter(product_id__in=product_ids)
        .order_by("position", "pk")
    ):
        variants.setdefault(variant.product_id, []).append(variant)
    images: dict[int, list[ProductImage]] = {}
    for image in (
        ProductImage.objects.for_workspace(workspace)
        .filter(product_id__in=product_ids, file="")
        .order_by("position", "pk")
    ):
        images.setdefault(image.product_id, []).append(image)
    return variants, images


def _lock(workspace: Workspace, handles: list[str]) -> dict[str, Product]:
    return {
        p.handle: p
        for p in Product.objects.for_workspace(workspace)
        .select_for_update()
        .filter(handle__in=handles)
        .order_by("handle")
    }


def products_upsert(
    workspace: Workspace,
    fmt: str,
    products: list[importing.ParsedProduct],
    columns: FileColumns,
) -> tuple[list[int], list[tuple[importing.ParsedProduct, str]]]:
    """Write the products; returns (ids written, refused products with the reason)."""
    _in_transaction()
    if not products:
        return [], []
    by_handle = {p.handle: p for p in products}
    handles = sorted(by_handle)
    # In the file's order, so new products keep it (the export lists them so); two imports
    # inserting the same new handles in opposite orders may deadlock, and the caller retries.
    Product.objects.bulk_create(
        [Product(workspace=workspace, handle=p.handle, title="") for p in products],
        batch_size=500,
        ignore_conflicts=True,
    )
    stored = _lock(workspace, handles)
    variants, images = stored_parts(workspace, [p.pk for p in stored.values()])

    refused, placeholders, plans = [], [], {}
    for handle in handles:
        parsed, product = by_handle[handle], stored[handle]
        is_new = product.title == ""
        if is_new and not parsed.title:
            refused.append((parsed, "is not in the catalog yet and has no title; skipped"))
            placeholders.append(product.pk)
            continue
        if is_new:
            plan = plan_product(None, parsed, columns)
            plan.values = _new_values(parsed, fmt)
        else:
            plan = plan_product(
                product,
                parsed,
                columns,
                variants=variants.get(product.pk, []),
                images=images.get(product.pk, []),
            )
        plans[product.pk] = (product, plan)
    if placeholders:
        Product.objects.for_workspace(workspace).filter(pk__in=placeholders).delete()
    _write(workspace, plans, variants, images)
    return list(plans), refused


def _write(workspace: Workspace, plans: dict, variants: dict, images: dict) -> None:
    changed_fields: set[str] = set()
    to_update = []
    new_variants, variant_updates, removed, new_images, replaced_images = [], [], [], [], []
    now = timezone.now()
    plan: ProductPlan
    for product, plan in plans.values():
        if not (plan.is_new or plan.values or plan.variants is not None or plan.images is not None):
            continue  # nothing in the file differs from the catalog
        product.updated_at = now
        for name, value in plan.values.items():
            setattr(product, name, value)
            changed_fields.add(name)
        if ("body_html" in plan.values or plan.is_new) and not product.description_facts_edited:
            # What the description states is extracted again when it changes, unless a person
            # corrected the facts by hand (their corrections stand).
            product.description_facts = extract_description_facts(product.body_html)
            changed_fields.add("description_facts")
        if plan.variants is not None:
            kept = []
            for item in plan.variants:
                if item.variant_id is None:
                    row = ProductVariant(workspace=workspace, product_id=product.pk, **item.values)
                    new_variants.append(row)
                else:
                    row = next(v for v in variants[product.pk] if v.pk == item.variant_id)
                    for name, value in item.values.items():
                        setattr(row, name, value)
                    variant_updates.append(row)
                kept.append(row)
            removed += plan.removed_variant_ids
            prices = [v.price for v in kept if v.price is not None]
            product.variant_count = len(kept)
            product.price_min = min(prices) if prices else None
            product.price_max = max(prices) if prices else None
            changed_fields |= {"variant_count", "price_min", "price_max"}
        if plan.images is not None:
            replaced_images.append(product.pk)
            new_images += [
                ProductImage(workspace=workspace, product_id=product.pk, **dataclasses.asdict(i))
                for i in plan.images
            ]
            product.featured_image_src = plan.images[0].src if plan.images else ""
            changed_fields.add("featured_image_src")
        to_update.append(product)
    if to_update:
        fields = sorted(changed_fields | {"updated_at"})
        _update_rows(workspace, Product, to_update, fields)
    scoped_variants = ProductVariant.objects.for_workspace(workspace)
    if removed:
        scoped_variants.filter(pk__in=removed).delete()
    if variant_updates:
        _update_rows(workspace, ProductVariant, variant_updates, VARIANT_COLUMNS)
    ProductVariant.objects.bulk_create(new_variants, batch_size=1000)
    if replaced_images:
        ProductImage.objects.for_workspace(workspace).filter(
            product_id__in=replaced_images, file=""
        ).delete()
    ProductImage.objects.bulk_create(new_images, batch_size=1000)


def _update_rows(
    workspace: Workspace, model: type[models.Model], rows: list, fields: list[str]
) -> None:
    """One parameterised UPDATE per row, sent together: ``bulk_update``'s CASE expressions
    cost far more than the database work (500 products took 20 s of Python to build the
    query). The rows are locked by the caller."""
    columns = [_column(model, name) for name in fields]
    table = connection.ops.quote_name(model._meta.db_table)
    assignments = ", ".join(f"{connection.ops.quote_name(c.attname)} = %s" for c in columns)
    sql = f"UPDATE {table} SET {assignments} WHERE id = %s AND workspace_id = %s"
    params = [
        [
            *(c.get_db_prep_save(getattr(row, c.attname), connection) for c in columns),
            row.pk,
            workspace.pk,
        ]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _column(model: type[models.Model], name: str) -> models.Field:
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):  # a reverse relation: never a column written here
        raise TypeError(f"{model.__name__}.{name} is not a column")
    return field


def _in_transaction() -> None:  # the placeholders and locks must not outlive it
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("products_upsert runs inside the import's transaction")
