"""Streaming a product CSV: transcoding to UTF-8 and splitting it into chunks of whole products.

A chunk is a byte range of the UTF-8 file holding whole products, plus, for a product whose
rows appear again further down the file (a handle that is not contiguous), the byte ranges of
those later rows (``extra``); the rows a chunk's range contains but another chunk owns are
listed in ``skip``. So every row of one handle is read by exactly one chunk: two chunks never
write the same product (run in parallel they used to collide; in turn, the later one silently
replaced the earlier), and a product's rows are merged wherever they are in the file.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO

from django.conf import settings

from apps.catalog.columns import shopify_column_map
from apps.catalog.importing import ProductAssembler
from apps.core import csvfiles
from apps.core.csvfiles import CsvFileError

CHUNK_PRODUCTS = 250

KeyFunction = Callable[[list[str]], str]


@dataclass(frozen=True)
class Chunk:
    start: int  # byte offset of the chunk's first record in the UTF-8 file
    end: int
    first_row: int  # record number of that first record (the header is 1)
    products: int
    # Later rows of this chunk's products: [start, end, first_row, last_row] byte ranges.
    extra: list[list[int]] = field(default_factory=list)
    # Record numbers inside [start, end) that belong to another chunk's product.
    skip: list[int] = field(default_factory=list)

    def rows(self, last_row: int) -> tuple[list[tuple[int, int]], set[int]]:
        """The record-number ranges this chunk reads, and the records it leaves to others."""
        spans = [(self.first_row, last_row)] + [(seg[2], seg[3]) for seg in self.extra]
        return spans, set(self.skip)


@dataclass
class ScanResult:
    headers: list[str]
    chunks: list[Chunk]
    row_count: int
    product_count: int


def _max_columns() -> int:
    return settings.CATALOG_IMPORT_MAX_COLUMNS


class _Planner:
    """Cuts the records into chunks of ``CHUNK_PRODUCTS`` products, keeping each product (each
    key) in one chunk wherever its records are."""

    def __init__(self, start: int, keyed: bool) -> None:
        self.keyed = keyed
        self.chunks: list[Chunk] = []
        self.owner: dict[str | None, int] = {}
        self.extra: dict[int, list[list[int]]] = {}
        self.start, self.first_row, self.products = start, 2, 0
        self.skip: list[int] = []
        self.product_count = 0

    def add(self, key: str | None, row_number: int, row_start: int, row_end: int) -> None:
        index = len(self.chunks)
        owner = self.owner.get(key) if self.keyed else None
        if owner is None:
            if self.products >= CHUNK_PRODUCTS:  # a new product: a full chunk ends before it
                self._close(row_start)
                self.start, self.first_row = row_start, row_number
                index += 1
            if self.keyed:
                self.owner[key] = index
            self.products += 1
            self.product_count += 1
        elif owner != index:
            # More rows of a product whose chunk is already cut: that chunk reads them.
            segments = self.extra.setdefault(owner, [])
            if segments and segments[-1][1] == row_start:
                segments[-1][1], segments[-1][3] = row_end, row_number
            else:
                segments.append([row_start, row_end, row_number, row_number])
            self.skip.append(row_number)

    def _close(self, end: int) -> None:
        self.chunks.append(Chunk(self.start, end, self.first_row, self.products, [], self.skip))
        self.products, self.skip = 0, []

    def finish(self, end: int) -> list[Chunk]:
        if self.products:  # (records after it that belong to earlier chunks are their extras)
            self._close(end)
        return [
            Chunk(c.start, c.end, c.first_row, c.products, self.extra.get(i, []), c.skip)
            for i, c in enumerate(self.chunks)
        ]


@dataclass
class ScanPlan:
    chunks: list[Chunk]
    last_row: int  # the number of the last record (the header is 1)
    products: int


def _plan(records: Iterator[csvfiles.Record], *, key_of: KeyFunction | None) -> ScanPlan:
    """Chunks for the records after the header."""
    first = next(records, None)
    if first is None:
        return ScanPlan([], 1, 0)
    planner = _Planner(first.start, keyed=key_of is not None)
    last = first
    for record in itertools.chain([first], records):
        last = record
        if record.blank:
            continue
        key = (key_of(record.cells) or f"#{record.number}") if key_of else None
        planner.add(key, record.number, record.start, record.end)
    return ScanPlan(planner.finish(last.end), last.number, planner.product_count)


def transcode_and_scan(
    source: IO[bytes], target: IO[bytes], *, name: str, fmt: str
) -> tuple[str, str, ScanResult]:
    """Copy ``source`` to ``target`` as UTF-8 and find the chunk boundaries, in one pass.

    Returns (detected encoding, delimiter, scan). Raises CsvFileError for files that cannot
    be imported at all (empty, binary, too wide, no title or handle column). A Shopify file is
    chunked by handle; another CSV row by row until its columns are mapped
    (:func:`plan_chunks`).
    """
    with csvfiles.transcoding(source, target, name=name, max_columns=_max_columns()) as reading:
        key_of = None
        if fmt == "shopify":
            columns = shopify_column_map(reading.headers)
            if "title" not in columns and "handle" not in columns:
                raise CsvFileError(
                    f"“{name}” has neither a Title nor a Handle column, so it is not a Shopify "
                    "product export. Use “Other CSV” to map its columns."
                )
            key_of = ProductAssembler(reading.headers, fmt).product_key
        plan = _plan(reading.records, key_of=key_of)
    if plan.products == 0:
        raise CsvFileError(f"“{name}” has a header row but no products.")
    scan = ScanResult(reading.headers, plan.chunks, plan.last_row - 1, plan.products)
    return reading.encoding, reading.delimiter, scan


def plan_chunks(stream: IO[bytes], *, name: str, delimiter: str, key_of: KeyFunction) -> ScanResult:
    """Chunk an already transcoded (UTF-8) file again, by product key (a generic CSV once its
    handle or title column is known)."""
    text = io.TextIOWrapper(stream, encoding="utf-8", newline="")
    try:
        headers, records = csvfiles.read_records(
            text, name=name, delimiter=delimiter, max_columns=_max_columns()
        )
        plan = _plan(records, key_of=key_of)
    finally:
        text.detach()
    return ScanResult(headers, plan.chunks, plan.last_row - 1, plan.products)


def read_chunk(
    path_stream: IO[bytes], chunk: Chunk, *, delimiter: str
) -> Iterator[tuple[int, list[str]]]:
    """The records of one chunk of the UTF-8 file, with their record numbers (its own range,
    less the records other chunks own, then the later rows of its products)."""
    skip = set(chunk.skip)
    spans = [(chunk.start, chunk.end, chunk.first_row)] + [
        (start, end, first_row) for start, end, first_row, _ in chunk.extra
    ]
    for start, end, first_row in spans:
        path_stream.seek(start)
        data = path_stream.read(end - start).decode("utf-8")
        reader = csv.reader(io.StringIO(data, newline=""), delimiter=delimiter)
        for offset, row in enumerate(reader):
            number = first_row + offset
            if number not in skip and any(cell.strip() for cell in row):
                yield number, row


def group_products(
    records: Iterable[tuple[int, list[str]]], assembler: ProductAssembler
) -> Iterator[list[tuple[int, list[str]]]]:
    """The records of each product, by product key (a Shopify handle; a generic CSV's handle
    or title), in the order products first appear, wherever their rows are."""
    groups: dict[str, list[tuple[int, list[str]]]] = {}
    for number, row in records:
        key = assembler.product_key(row) or f"#{number}"
        groups.setdefault(key, []).append((number, row))
    yield from groups.values()
