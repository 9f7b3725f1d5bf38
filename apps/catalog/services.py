"""Writes for the catalog: imports (upload, mapping, one chunk of products), approved copy,
corrections to a product's facts.

Services a person starts take the acting member (``actor=``) and check the role themselves;
the import's chunks are system work (a job) and take the workspace."""

from __future__ import annotations

import dataclasses
import tempfile
import uuid
from typing import Any

from django.conf import settings
from django.contrib.postgres.search import SearchVector
from django.core.cache import cache
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.catalog import chunking, importing, upsert
from apps.catalog.facts import clean_facts, extract_description_facts
from apps.catalog.merging import FileColumns
from apps.catalog.models import (
    ApprovedCopy,
    ColumnMapping,
    ImportBatch,
    ImportFormat,
    ImportRowError,
    Product,
    WorkStatus,
)
from apps.catalog.selectors import facets_cache_key
from apps.core.csvfiles import CsvFileError
from apps.core.errors import ServiceError
from apps.jobs.services import job_create
from apps.workspaces.actors import Actor, access_for_update
from apps.workspaces.models import Workspace
from apps.workspaces.roles import Action

IMPORT_JOB_KIND = "catalog.import"


def _size_label(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB" if size >= 1024 * 1024 else f"{size / 1024:.0f} KB"


def access_import_batch_for_update(actor: Actor, batch_id: int) -> ImportBatch:
    return access_for_update(
        actor,
        ImportBatch,
        batch_id,
        action=Action.IMPORT_CATALOG,
        missing="This import no longer exists.",
    )


def access_product_for_update(actor: Actor, product_id: int) -> Product:
    return access_for_update(
        actor,
        Product,
        product_id,
        action=Action.IMPORT_CATALOG,
        missing="This product no longer exists.",
    )


def catalog_import_upload(*, actor: Actor, upload: UploadedFile, fmt: str) -> ImportBatch:
    """Check and store an uploaded CSV. Nothing is imported yet: the import page previews what
    the file will change (and, for another CSV, asks for its column mapping), and
    :func:`catalog_import_confirm` starts it.

    A file that cannot be imported at all (too large, empty, binary, too wide, no title
    column) is refused with a message that names it, and nothing is saved.
    """
    actor.require(Action.IMPORT_CATALOG)
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
            encoding, delimiter, scan = chunking.transcode_and_scan(
                upload, transcoded, name=name, fmt=fmt
            )
        except CsvFileError as error:
            raise ServiceError(str(error), field="file") from None
        transcoded.seek(0)
        with transaction.atomic(durable=True):
            batch = ImportBatch(
                workspace=actor.workspace,
                format=fmt,
                original_name=name,
                detected_encoding=encoding,
                delimiter=delimiter,
                headers=scan.headers,
                row_count=scan.row_count,
                product_count=scan.product_count,
                chunks=[dataclasses.asdict(chunk) for chunk in scan.chunks],
                created_by=actor.user,
            )
            batch.file.save(f"{uuid.uuid4().hex}.csv", File(transcoded), save=False)
            batch.save()
    return batch


@transaction.atomic(durable=True)
def catalog_import_confirm(
    *, actor: Actor, batch_id: int, mapping: dict[str, str] | None = None
) -> ImportBatch:
    """Start importing an uploaded file (after its preview). Another CSV takes its column
    mapping, which is remembered for the workspace, and is chunked again by its products'
    handles so that the rows of one product are read together."""
    workspace = actor.workspace
    batch = access_import_batch_for_update(actor, batch_id)
    if batch.job_id:
        raise ServiceError(f"“{batch.original_name}” is already being imported.")
    if batch.format == ImportFormat.GENERIC:
        mapping = {field: column for field, column in (mapping or {}).items() if column}
        try:
            assembler = importing.ProductAssembler(batch.headers, batch.format, mapping)
        except CsvFileError as error:
            raise ServiceError(str(error), field="title") from None
        with batch.file.open("rb") as stream:
            try:
                scan = chunking.plan_chunks(
                    stream,
                    name=batch.original_name,
                    delimiter=batch.delimiter,
                    key_of=assembler.product_key,
                )
            except CsvFileError as error:
                raise ServiceError(str(error), field="file") from None
        batch.mapping = mapping
        batch.chunks = [dataclasses.asdict(chunk) for chunk in scan.chunks]
        batch.product_count = scan.product_count
        batch.save(update_fields=["mapping", "chunks", "product_count"])
        ColumnMapping.objects.for_workspace(workspace).update_or_create(
            workspace=workspace, defaults={"mapping": mapping}
        )
    _start_import_job(workspace=workspace, actor=actor.user, batch=batch)
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
        created_by=actor,
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
    """Import one chunk of whole products: upsert by handle, changing only what the file's
    columns speak for (:mod:`apps.catalog.merging`).

    Idempotent: a chunk imported twice leaves the same rows and the same error list. Safe
    beside another import writing the same products (:mod:`apps.catalog.upsert`). Generated
    drafts, reviews and approved copy live in other tables and are never touched.
    """
    batch = ImportBatch.objects.for_workspace(workspace).get(pk=batch_id)
    span = chunking.Chunk(**chunk)
    assembler = importing.ProductAssembler(batch.headers, batch.format, batch.mapping)
    columns = FileColumns(assembler.fields_in_file, assembler.attribute_names, tuple(batch.headers))
    parsed: dict[str, importing.ParsedProduct] = {}
    with batch.file.open("rb") as stream:
        records = chunking.read_chunk(stream, span, delimiter=batch.delimiter)
        for rows in chunking.group_products(records, assembler):
            product = assembler.assemble(rows)
            if product is not None:
                parsed.setdefault(product.handle.lower(), product)

    spans, skipped = span.rows(_chunk_last_row(batch, span.first_row))
    for attempt in range(3):
        try:
            with transaction.atomic():
                saved, refused = upsert.products_upsert(
                    workspace, batch.format, list(parsed.values()), columns
                )
                product_search_refresh(workspace=workspace, product_ids=saved)
                _row_errors_replace(workspace, batch, spans, skipped, assembler, refused)
                transaction.on_commit(lambda: cache.delete(facets_cache_key(workspace.pk)))
            break
        except OperationalError as error:  # a deadlock with another import: take turns again
            if attempt == 2 or "deadlock" not in str(error).lower():
                raise
    if span.first_row == max(c["first_row"] for c in batch.chunks):
        _refresh_planner_statistics()
    return {"products": len(saved), "row_errors": len(assembler.errors) + len(refused)}


def _row_errors_replace(
    workspace: Workspace,
    batch: ImportBatch,
    spans: list[tuple[int, int]],
    skipped: set[int],
    assembler: importing.ProductAssembler,
    refused: list[tuple[importing.ParsedProduct, str]],
) -> None:
    """This chunk's row errors, replacing those of an earlier run of it."""
    errors = ImportRowError.objects.for_workspace(workspace).filter(batch=batch)
    for first, last in spans:
        errors.filter(row_number__gte=first, row_number__lte=last).exclude(
            row_number__in=list(skipped)
        ).delete()
    found = [(e.row_number, e.column, e.message) for e in assembler.errors]
    column = assembler.column_name("title")
    found += [(p.first_row, column, f"Product “{p.handle}” {why}.") for p, why in refused]
    ImportRowError.objects.bulk_create(
        [
            ImportRowError(
                workspace=workspace,
                batch=batch,
                row_number=row,
                column=column_name[:255],
                message=message[:500],
            )
            for row, column_name, message in found
        ],
        ignore_conflicts=True,
    )


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
    """Record the approved copy of one type for a product. Called by the copy studio's review
    decision, inside its transaction and after it checked the reviewer's role; ``actor`` is the
    person recorded as having approved it."""
    product = Product.objects.for_workspace(workspace).select_for_update().get(pk=product_id)
    approved, _ = ApprovedCopy.objects.for_workspace(workspace).update_or_create(
        workspace=workspace,
        product=product,
        copy_type=copy_type,
        defaults={"content": content, "approved_at": timezone.now(), "approved_by": actor},
    )
    return approved


@transaction.atomic(durable=True)
def product_facts_update(*, actor: Actor, product_id: int, facts: dict[str, Any]) -> Product:
    """Save a person's corrections to what the description states. From now on imports keep
    these (they only re-extract facts nobody edited); ``reset`` them to extract again."""
    product = access_product_for_update(actor, product_id)
    product.description_facts = clean_facts(facts)
    product.description_facts_edited = True
    product.save(update_fields=["description_facts", "description_facts_edited", "updated_at"])
    return product


@transaction.atomic(durable=True)
def product_facts_reset(*, actor: Actor, product_id: int) -> Product:
    """Forget the edits: extract the facts from the live description again."""
    product = access_product_for_update(actor, product_id)
    product.description_facts = extract_description_facts(product.body_html)
    product.description_facts_edited = False
    product.save(update_fields=["description_facts", "description_facts_edited", "updated_at"])
    return product


WORK_STATUS_FIELDS = {"copy": "copy_status", "photo": "photo_status"}


def product_work_status_set(*, workspace: Workspace, work: str, statuses: dict[int, str]) -> int:
    """Set where each product's ``work`` ("copy" or "photo") stands, ``{product_id: status}``.

    The review seam (``apps.reviews``) rolls the status up from the work's review states and
    calls this inside its transaction; no other app writes these fields. Products of another
    workspace, or deleted meanwhile, are left alone. Returns how many products changed."""
    if work not in WORK_STATUS_FIELDS:
        raise ValueError(f"No work status {work!r}; choose from {sorted(WORK_STATUS_FIELDS)}.")
    unknown = set(statuses.values()) - set(WorkStatus.values)
    if unknown:
        raise ValueError(f"Not a work status: {sorted(unknown)}.")
    name = WORK_STATUS_FIELDS[work]
    by_status: dict[str, list[int]] = {}
    for product_id, status in statuses.items():
        by_status.setdefault(status, []).append(product_id)
    changed = 0
    for status, product_ids in by_status.items():
        changed += (
            Product.objects.for_workspace(workspace)
            .filter(pk__in=product_ids)
            .exclude(**{name: status})
            .update(**{name: status})
        )
    return changed


@dataclasses.dataclass(frozen=True)
class UpsertResult:
    saved: dict[str, int]  # handle -> product id, in the order given
    refused: dict[str, str]  # handle -> why


@transaction.atomic(durable=True)
def products_upsert_by_handle(
    *, actor: Actor, products: list[tuple[importing.ParsedProduct, frozenset[str]]]
) -> UpsertResult:
    """Create or update products by handle, as an import would (the API's write path).

    Each product comes with the fields its caller speaks for, as a file's columns do
    (:class:`~apps.catalog.merging.FileColumns`): a field not named is left alone on a product
    already in the catalog. One transaction for all; safe beside imports writing the same
    products (:mod:`apps.catalog.upsert`), a deadlock with one is retried."""
    actor.require(Action.IMPORT_CATALOG)
    workspace = actor.workspace
    groups: dict[frozenset[str], list[importing.ParsedProduct]] = {}
    for product, fields in products:
        groups.setdefault(fields, []).append(product)
    saved_ids: list[int] = []
    refused: list[tuple[importing.ParsedProduct, str]] = []
    for attempt in range(3):
        try:
            with transaction.atomic():
                saved_ids, refused = [], []
                for fields, group in groups.items():
                    saved, not_saved = upsert.products_upsert(
                        workspace, "api", group, FileColumns(fields, frozenset())
                    )
                    saved_ids += saved
                    refused += not_saved
                product_search_refresh(workspace=workspace, product_ids=saved_ids)
            break
        except OperationalError as error:
            if attempt == 2 or "deadlock" not in str(error).lower():
                raise
    ids = dict(
        Product.objects.for_workspace(workspace)
        .filter(pk__in=saved_ids)
        .values_list("handle", "pk")
    )
    transaction.on_commit(lambda: cache.delete(facets_cache_key(workspace.pk)))
    return UpsertResult(
        saved={p.handle: ids[p.handle] for p, _ in products if p.handle in ids},
        refused={p.handle: f"Product “{p.handle}” {why}" for p, why in refused},
    )
