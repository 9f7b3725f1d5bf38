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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO

from django.conf import settings

from apps.catalog.importing import (
    SNIFF_BYTES,
    ImportFileError,
    ProductAssembler,
    check_text,
    detect_encoding,
    shopify_column_map,
    sniff_delimiter,
)

CHUNK_PRODUCTS = 250

KeyFunction = Callable[[list[str]], str]


@dataclass(frozen=True)
class Chunk:
    start: int  # byte offset of the chunk's first record in the UTF-8 file
    end: int
    first_row: int  # record number of that first record (the header is 1)
    products: int
    # Later rows of this chunk's products: [start, end, first_row, last_row] byte ranges.
    extra: list = field(default_factory=list)
    # Record numbers inside [start, end) that belong to another chunk's product.
    skip: list = field(default_factory=list)

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


def _check_width(count: int, *, name: str, row_number: int | None = None) -> None:
    limit = _max_columns()
    if count > limit:
        where = "Its header has" if row_number is None else f"Row {row_number} has"
        raise ImportFileError(
            f"“{name}” is too wide to import: {where} {count:,} columns; at most {limit:,} "
            "are accepted. Remove the columns you do not need (or export fewer fields) and "
            "upload it again."
        )


class _Planner:
    """Cuts the records into chunks of ``CHUNK_PRODUCTS`` products, keeping each product (each
    key) in one chunk wherever its records are."""

    def __init__(self, start: int, keyed: bool) -> None:
        self.keyed = keyed
        self.chunks: list[Chunk] = []
        self.owner: dict[str, int] = {}
        self.extra: dict[int, list[list[int]]] = {}
        self.start, self.first_row, self.products, self.skip = start, 2, 0, []
        self.product_count = 0

    def add(self, key, row_number: int, row_start: int, row_end: int) -> None:
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


def _lines_with_offsets(stream: IO[str], position: list[int]) -> Iterator[str]:
    """Yield lines and keep position[0] at the UTF-8 byte offset just after the last yielded."""
    for line in stream:
        position[0] += len(line.encode("utf-8"))
        yield line


def _plan(
    reader: Iterator[list[str]],
    position: list[int],
    *,
    name: str,
    key_of: KeyFunction | None,
) -> tuple[list[Chunk], int, int]:
    """Chunks for the records after the header; returns (chunks, last record number,
    products)."""
    planner = _Planner(position[0], keyed=key_of is not None)
    row_number = 1
    row_start = position[0]
    try:
        for row in reader:
            row_number += 1
            this_row_start, row_start = row_start, position[0]
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > _max_columns():
                _check_width(len(row), name=name, row_number=row_number)
            key = (key_of(row) or f"#{row_number}") if key_of else None
            planner.add(key, row_number, this_row_start, row_start)
    except csv.Error as error:
        raise ImportFileError(
            f"“{name}” could not be read at row {row_number + 1}: {error}."
        ) from None
    except UnicodeDecodeError:
        raise ImportFileError(
            f"“{name}” changes encoding near row {row_number + 1}; save it as UTF-8 and try again."
        ) from None
    return planner.finish(position[0]), row_number, planner.product_count


def transcode_and_scan(
    source: IO[bytes], target: IO[bytes], *, name: str, fmt: str
) -> tuple[str, str, ScanResult]:
    """Copy ``source`` to ``target`` as UTF-8 and find the chunk boundaries, in one pass.

    Returns (detected encoding, delimiter, scan). Raises ImportFileError for files that cannot
    be imported at all (empty, binary, too wide, no title or handle column). A Shopify file is
    chunked by handle; another CSV row by row until its columns are mapped
    (:func:`plan_chunks`).
    """
    sample = source.read(SNIFF_BYTES)
    if not sample.strip():
        raise ImportFileError(f"“{name}” is empty.")
    encoding = detect_encoding(sample, name=name)
    source.seek(0)
    text_stream = io.TextIOWrapper(source, encoding=encoding, newline="")
    try:
        head = text_stream.read(SNIFF_BYTES)
    except UnicodeDecodeError:
        raise ImportFileError(f"“{name}” is not readable as {encoding} text.") from None
    check_text(head, name=name)
    if not head.strip():
        raise ImportFileError(f"“{name}” is empty.")
    delimiter = sniff_delimiter(head)
    text_stream.seek(0)

    writer = io.TextIOWrapper(target, encoding="utf-8", newline="", write_through=False)
    position = [0]

    def copying_lines() -> Iterator[str]:
        for line in _lines_with_offsets(text_stream, position):
            writer.write(line)
            yield line

    reader = csv.reader(copying_lines(), delimiter=delimiter)
    try:
        headers = next(reader)
    except StopIteration:
        raise ImportFileError(f"“{name}” is empty.") from None
    except csv.Error as error:
        raise ImportFileError(f"“{name}” could not be read at row 1: {error}.") from None
    _check_width(len(headers), name=name)
    headers = [h.lstrip("\ufeff") for h in headers]
    key_of = None
    if fmt == "shopify":
        columns = shopify_column_map(headers)
        if "title" not in columns and "handle" not in columns:
            raise ImportFileError(
                f"“{name}” has neither a Title nor a Handle column, so it is not a Shopify "
                "product export. Use “Other CSV” to map its columns."
            )
        key_of = ProductAssembler(headers, fmt).product_key
    chunks, last_row, products = _plan(reader, position, name=name, key_of=key_of)
    writer.flush()
    writer.detach()
    if products == 0:
        raise ImportFileError(f"“{name}” has a header row but no products.")
    return encoding, delimiter, ScanResult(headers, chunks, last_row - 1, products)


def plan_chunks(stream: IO[bytes], *, name: str, delimiter: str, key_of: KeyFunction) -> ScanResult:
    """Chunk an already transcoded (UTF-8) file again, by product key (a generic CSV once its
    handle or title column is known)."""
    text = io.TextIOWrapper(stream, encoding="utf-8", newline="")
    position = [0]
    reader = csv.reader(_lines_with_offsets(text, position), delimiter=delimiter)
    headers = next(reader)
    chunks, last_row, products = _plan(reader, position, name=name, key_of=key_of)
    text.detach()
    return ScanResult(headers, chunks, last_row - 1, products)


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
