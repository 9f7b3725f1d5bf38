"""Reads for the import preview: what a file will change before it is imported.

The preview counts the file's products that are new and those already in the catalog (over
the whole file), lists what the file's columns leave alone, and shows the first products with
the changes the import would make to each, computed by the same merge the import runs
(:mod:`apps.catalog.merging`).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.utils.text import slugify

from apps.catalog.chunking import Chunk, group_products, read_chunk
from apps.catalog.importing import ParsedProduct, ProductAssembler, RowError
from apps.catalog.merging import FileColumns, ProductPlan, plan_product
from apps.catalog.models import ImportBatch, Product
from apps.catalog.upsert import stored_parts
from apps.core.csvfiles import CsvFileError

LOOKUP_BATCH = 2000


@dataclass
class PreviewProduct:
    parsed: ParsedProduct
    plan: ProductPlan


@dataclass
class ImportPreview:
    products: list[PreviewProduct] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    problem: str = ""  # the mapping cannot be used
    new: int = 0
    existing: int = 0
    left_alone: list[str] = field(default_factory=list)
    lists_variants: bool = False
    has_images: bool = False


def _handles(batch: ImportBatch, assembler: ProductAssembler) -> set[str]:
    """Every product handle in the file (as the import will store it)."""
    handles = set()
    with batch.file.open("rb") as stream:
        text = io.TextIOWrapper(stream, encoding="utf-8", newline="")
        reader = csv.reader(text, delimiter=batch.delimiter)
        next(reader, None)
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            handle = assembler.cell(row, "handle") or slugify(assembler.cell(row, "title"))
            if handle:
                handles.add(handle[:255])
        text.detach()
    return handles


def _existing_count(workspace_id: int, handles: set[str]) -> int:
    ordered, found = sorted(handles), 0
    for start in range(0, len(ordered), LOOKUP_BATCH):
        found += (
            Product.objects.for_workspace(workspace_id)
            .filter(handle__in=ordered[start : start + LOOKUP_BATCH])
            .count()
        )
    return found


def import_preview(*, batch: ImportBatch, mapping: dict[str, str], limit: int = 8) -> ImportPreview:
    try:
        assembler = ProductAssembler(batch.headers, batch.format, mapping)
    except CsvFileError as error:
        return ImportPreview(problem=str(error))
    columns = FileColumns(assembler.fields_in_file, assembler.attribute_names, tuple(batch.headers))
    preview = ImportPreview(
        left_alone=columns.left_alone(),
        lists_variants=columns.lists_variants,
        has_images=columns.has_images,
    )
    if not batch.chunks:
        return preview
    handles = _handles(batch, assembler)
    preview.existing = _existing_count(batch.workspace_id, handles)
    preview.new = len(handles) - preview.existing
    parsed_products: list[ParsedProduct] = []
    with batch.file.open("rb") as stream:
        records = read_chunk(stream, Chunk(**batch.chunks[0]), delimiter=batch.delimiter)
        for rows in group_products(records, assembler):
            product = assembler.assemble(rows)
            if product is not None:
                parsed_products.append(product)
            if len(parsed_products) >= limit:
                break
    preview.errors = assembler.errors
    stored = {
        p.handle: p
        for p in Product.objects.for_workspace(batch.workspace_id).filter(
            handle__in=[p.handle for p in parsed_products]
        )
    }
    variants, images = stored_parts(batch.workspace_id, [p.pk for p in stored.values()])
    for parsed in parsed_products:
        existing = stored.get(parsed.handle)
        if existing is None:
            plan = plan_product(None, parsed, columns)
            if not parsed.title:
                plan.changes = ["Not in the catalog yet and has no title: it will be skipped."]
        else:
            plan = plan_product(
                existing,
                parsed,
                columns,
                variants=variants.get(existing.pk, []),
                images=images.get(existing.pk, []),
            )
        preview.products.append(PreviewProduct(parsed, plan))
    return preview
