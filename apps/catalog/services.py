"""Writes for the catalog: imports (upload, mapping, one chunk of products), approved copy."""

from __future__ import annotations

import dataclasses
import tempfile
import uuid

from django.conf import settings
from django.contrib.postgres.search import SearchVector
from django.core.cache import cache
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.catalog import importing
from apps.catalog.facts import clean_facts, extract_description_facts
from apps.catalog.models import (
    ApprovedCopy,
    ColumnMapping,
    ImportBatch,
    ImportFormat,
    ImportRowError,
    Product,
    ProductImage,
    ProductVariant,
)
from apps.catalog.selectors import facets_cache_key
from apps.core.errors import ServiceError
from apps.jobs.services import job_create
from apps.workspaces.models import Workspace

IMPORT_JOB_KIND = "catalog.import"
PRODUCT_FIELDS_FROM_FILE = [
    "title",
    "body_html",
    "vendor",
    "product_type",
    "category",
    "tags",
    "tags_text",
    "attributes",
    "option_names",
    "seo_title",
    "seo_description",
    "status",
    "published",
    "variant_count",
    "price_min",
    "price_max",
    "featured_image_src",
    "source_rows",
    "source_format",
]


def _size_label(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB" if size >= 1024 * 1024 else f"{size / 1024:.0f} KB"


def catalog_import_upload(
    *, workspace: Workspace, actor: User, upload: UploadedFile, fmt: str
) -> ImportBatch:
    """Check and store an uploaded CSV. A Shopify export starts importing at once; another CSV
    waits for its column mapping (:func:`catalog_import_confirm`).

    A file that cannot be imported at all (too large, empty, binary, no title column) is
    refused with a message that names it, and nothing is saved.
    """
    if fmt not in ImportFormat.values:
        raise ServiceError(
            "Choose the kind of file: a Shopify export or another CSV.", field="format"
        )
    name = (upload.name or "upload.csv").rsplit("/", 1)[-1][:255]
    limit = settings.CATALOG_IMPORT_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise ServiceError(
            f"“{name}” is {_size_label(upload.size)}; the limit is {_size_label(limit)}.",
            field="file",
        )
    with tempfile.TemporaryFile() as transcoded:
        try:
            upload.seek(0)
            encoding, delimiter, scan = importing.transcode_and_scan(
                upload, transcoded, name=name, fmt=fmt
            )
        except importing.ImportFileError as error:
            raise ServiceError(str(error), field="file") from None
        transcoded.seek(0)
        with transaction.atomic():
            batch = ImportBatch(
                workspace=workspace,
                format=fmt,
                original_name=name,
                detected_encoding=encoding,
                delimiter=delimiter,
                headers=scan.headers,
                row_count=scan.row_count,
                product_count=scan.product_count,
                chunks=[dataclasses.asdict(chunk) for chunk in scan.chunks],
                created_by=actor,
            )
            batch.file.save(f"{uuid.uuid4().hex}.csv", File(transcoded), save=False)
            batch.save()
            if fmt == ImportFormat.SHOPIFY:
                _start_import_job(workspace=workspace, actor=actor, batch=batch)
    return batch


def catalog_import_confirm(
    *, workspace: Workspace, actor: User, batch_id: int, mapping: dict[str, str]
) -> ImportBatch:
    """Start importing a generic CSV with the columns mapped; remember the mapping."""
    with transaction.atomic():
        batch = ImportBatch.objects.for_workspace(workspace).select_for_update().get(pk=batch_id)
        if batch.job_id:
            raise ServiceError(f"“{batch.original_name}” is already being imported.")
        mapping = {field: column for field, column in mapping.items() if column}
        try:
            importing.mapping_to_index(batch.headers, mapping)
        except importing.ImportFileError as error:
            raise ServiceError(str(error), field="title") from None
        batch.mapping = mapping
        batch.save(update_fields=["mapping"])
        ColumnMapping.objects.for_workspace(workspace).update_or_create(
            workspace=workspace, defaults={"mapping": mapping}
        )
        _start_import_job(workspace=workspace, actor=actor, batch=batch)
    return batch


def _start_import_job(*, workspace: Workspace, actor: User, batch: ImportBatch) -> None:
    items = [
        (
            f"rows {chunk['first_row']}–{_chunk_last_row(batch, chunk['first_row'])}",
            {"batch_id": batch.pk, "chunk": chunk},
        )
        for chunk in batch.chunks
    ]
    job = job_create(
        workspace=workspace,
        actor=actor,
        kind=IMPORT_JOB_KIND,
        items=items,
        params={"batch_id": batch.pk},
        label=f"Import {batch.original_name}",
        chunk_size=1,
    )
    batch.job = job
    batch.save(update_fields=["job"])


def _chunk_last_row(batch: ImportBatch, first_row: int) -> int:
    """The last record number of the chunk that starts at ``first_row`` (the header is 1)."""
    later = [c["first_row"] for c in batch.chunks if c["first_row"] > first_row]
    return min(later) - 1 if later else batch.row_count + 1


def catalog_import_chunk(*, workspace: Workspace, batch_id: int, chunk: dict) -> dict:
    """Import one chunk of whole products: upsert by handle, replace variants and images.

    Idempotent: a chunk imported twice leaves the same rows and the same error list. Generated
    drafts, reviews and approved copy live in other tables and are never touched.
    """
    batch = ImportBatch.objects.for_workspace(workspace).get(pk=batch_id)
    span = importing.Chunk(**chunk)
    assembler = importing.ProductAssembler(batch.headers, batch.format, batch.mapping)
    parsed: dict[str, importing.ParsedProduct] = {}
    with batch.file.open("rb") as stream:
        records = importing.read_chunk(stream, span, delimiter=batch.delimiter)
        for rows in importing.group_products(records, assembler):
            product = assembler.assemble(rows)
            if product is None:
                continue
            key = product.handle.lower()
            if key in parsed:
                assembler.error(
                    product.first_row,
                    "handle",
                    f"Handle “{product.handle}” appeared earlier (row {parsed[key].first_row}); "
                    "this row's product replaces it.",
                )
            parsed[key] = product

    last_row = _chunk_last_row(batch, span.first_row)
    with transaction.atomic():
        saved = _upsert_products(workspace, batch.format, list(parsed.values()))
        errors = ImportRowError.objects.for_workspace(workspace).filter(batch=batch)
        errors.filter(row_number__gte=span.first_row, row_number__lte=last_row).delete()
        ImportRowError.objects.bulk_create(
            [
                ImportRowError(
                    workspace=workspace,
                    batch=batch,
                    row_number=error.row_number,
                    column=error.column[:255],
                    message=error.message[:500],
                )
                for error in assembler.errors
            ],
            ignore_conflicts=True,
        )
    if span.first_row == max(c["first_row"] for c in batch.chunks):
        _refresh_planner_statistics()
    return {"products": saved, "row_errors": len(assembler.errors)}


def _refresh_planner_statistics() -> None:
    """After a bulk import PostgreSQL's statistics and visibility map are stale until
    autovacuum comes round: a stale plan can sort the whole catalog for one page, and without
    the visibility map a count or a deep page reads every row instead of the index."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        if connection.in_atomic_block:
            cursor.execute(f"ANALYZE {Product._meta.db_table}")
        else:  # VACUUM cannot run inside a transaction
            cursor.execute(f"VACUUM (ANALYZE) {Product._meta.db_table}")


def _product_values(product: importing.ParsedProduct, fmt: str) -> dict:
    prices = [v.price for v in product.variants if v.price is not None]
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
        "variant_count": len(product.variants),
        "price_min": min(prices) if prices else None,
        "price_max": max(prices) if prices else None,
        "featured_image_src": product.images[0].src if product.images else "",
        "source_rows": product.source_rows,
        "source_format": fmt,
    }


def _upsert_products(
    workspace: Workspace, fmt: str, products: list[importing.ParsedProduct]
) -> int:
    if not products:
        return 0
    by_handle = {p.handle: p for p in products}
    existing = {
        p.handle: p
        for p in Product.objects.for_workspace(workspace).filter(handle__in=list(by_handle))
    }
    to_update, to_create = [], []
    for handle, parsed in by_handle.items():
        values = _product_values(parsed, fmt)
        if handle in existing:
            product = existing[handle]
            described = product.body_html != values["body_html"] or not product.description_facts
            for name, value in values.items():
                setattr(product, name, value)
            if described and not product.description_facts_edited:
                product.description_facts = extract_description_facts(product.body_html)
            product.updated_at = timezone.now()
            to_update.append(product)
        else:
            to_create.append(
                Product(
                    workspace=workspace,
                    handle=handle,
                    description_facts=extract_description_facts(values["body_html"]),
                    **values,
                )
            )
    if to_update:
        Product.objects.for_workspace(workspace).bulk_update(
            to_update,
            [*PRODUCT_FIELDS_FROM_FILE, "description_facts", "updated_at"],
            batch_size=500,
        )
    if to_create:
        Product.objects.bulk_create(to_create, batch_size=500)
    stored = {
        p.handle: p.pk
        for p in Product.objects.for_workspace(workspace)
        .filter(handle__in=list(by_handle))
        .only("pk", "handle")
    }
    product_ids = list(stored.values())
    ProductVariant.objects.for_workspace(workspace).filter(product_id__in=product_ids).delete()
    ProductImage.objects.for_workspace(workspace).filter(
        product_id__in=product_ids, file=""
    ).delete()
    variants, images = [], []
    for handle, parsed in by_handle.items():
        product_id = stored[handle]
        variants.extend(
            ProductVariant(
                workspace=workspace,
                product_id=product_id,
                **dataclasses.asdict(variant),
            )
            for variant in parsed.variants
        )
        images.extend(
            ProductImage(workspace=workspace, product_id=product_id, **dataclasses.asdict(image))
            for image in parsed.images
        )
    ProductVariant.objects.bulk_create(variants, batch_size=1000)
    ProductImage.objects.bulk_create(images, batch_size=1000)
    product_search_refresh(workspace=workspace, product_ids=product_ids)
    transaction.on_commit(lambda: cache.delete(facets_cache_key(workspace.pk)))
    return len(by_handle)


def product_search_refresh(*, workspace: Workspace, product_ids: list[int]) -> None:
    """Rebuild the full-text search vectors (PostgreSQL only; elsewhere search uses LIKE)."""
    if connection.vendor != "postgresql" or not product_ids:
        return
    Product.objects.for_workspace(workspace).filter(pk__in=product_ids).update(
        search_vector=SearchVector("title", weight="A", config="simple")
        + SearchVector("vendor", "product_type", "tags_text", "handle", weight="B", config="simple")
        + SearchVector("body_html", weight="C", config="simple")
    )


@transaction.atomic
def approved_copy_set(
    *,
    workspace: Workspace,
    actor: User | None,
    product_id: int,
    copy_type: str,
    content: str,
) -> ApprovedCopy:
    """Record the approved copy of one type for a product (called by the review workflow)."""
    product = Product.objects.for_workspace(workspace).select_for_update().get(pk=product_id)
    approved, _ = ApprovedCopy.objects.for_workspace(workspace).update_or_create(
        workspace=workspace,
        product=product,
        copy_type=copy_type,
        defaults={"content": content, "approved_at": timezone.now(), "approved_by": actor},
    )
    return approved


@transaction.atomic
def product_facts_update(
    *, workspace: Workspace, actor: User | None, product_id: int, facts: dict
) -> Product:
    """Save a person's corrections to what the description states. From now on imports keep
    these (they only re-extract facts nobody edited); ``reset`` them to extract again."""
    product = Product.objects.for_workspace(workspace).select_for_update().get(pk=product_id)
    product.description_facts = clean_facts(facts)
    product.description_facts_edited = True
    product.save(update_fields=["description_facts", "description_facts_edited", "updated_at"])
    return product


@transaction.atomic
def product_facts_reset(*, workspace: Workspace, actor: User | None, product_id: int) -> Product:
    """Forget the edits: extract the facts from the live description again."""
    product = Product.objects.for_workspace(workspace).select_for_update().get(pk=product_id)
    product.description_facts = extract_description_facts(product.body_html)
    product.description_facts_edited = False
    product.save(update_fields=["description_facts", "description_facts_edited", "updated_at"])
    return product
